from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="complaint-queue"),
    path("filters/", views.queue_filters, name="complaint-queue-filters"),
    path("new/", views.intake_counter, name="complaint-intake"),
    path("new/regulator/", views.intake_regulator, name="complaint-intake-regulator"),
    path(
        "new/customer/<int:customer_pk>/", views.intake_customer, name="complaint-intake-customer"
    ),
    path("customer/<int:customer_pk>/panel/", views.customer_panel, name="customer-panel"),
    path("statistics/", views.stats, name="statistics-detail"),
    path("statistics/export/", views.stats_export, name="statistics-export"),
    path("statistics/data/", views.stats_json, name="statistics-data"),
    path("<int:pk>/", views.detail, name="complaint-detail"),
    path("<int:pk>/contact/reveal/", views.contact_reveal, name="complaint-contact-reveal"),
    path("<int:pk>/transition/", views.transition, name="complaint-transition"),
    path("<int:pk>/extension/", views.extension, name="complaint-extension"),
    path("<int:pk>/withdrawal/", views.withdrawal, name="complaint-withdrawal"),
    path("<int:pk>/named-staff/", views.named_staff, name="complaint-named-staff"),
    path("<int:pk>/profile/", views.profile, name="complaint-profile"),
    path("<int:pk>/pause/", views.pause, name="complaint-pause"),
    path("<int:pk>/resume/", views.resume, name="complaint-resume"),
    path("<int:pk>/new-facts/", views.new_facts, name="complaint-new-facts"),
    path("<int:pk>/assign/", views.assign_one, name="complaint-assign"),
    path("<int:pk>/attach/", views.attach, name="attachment-create"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment-download"),
    path("<int:pk>/notices/<int:notice_pk>/print/", views.notice_print, name="notice-print"),
]
