from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("filters/", views.queue_filters, name="queue_filters"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", views.intake_counter, name="intake_counter"),
    path("new/regulator/", views.intake_regulator, name="intake_regulator"),
    path("new/customer/<int:customer_pk>/", views.intake_customer, name="intake_customer"),
    path("customer/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
    path("statistics/", views.stats, name="stats"),
    path("statistics/export/", views.stats_export, name="stats_export"),
    path("statistics/data/", views.stats_json, name="stats_json"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/transition/", views.transition, name="transition"),
    path("<int:pk>/extension/", views.extension, name="extension"),
    path("<int:pk>/pause/", views.pause, name="pause"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/new-facts/", views.new_facts, name="new_facts"),
    path("<int:pk>/assign/", views.assign_one, name="assign"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/notices/<int:notice_pk>/print/", views.notice_print, name="notice_print"),
]
