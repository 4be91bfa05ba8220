from django.urls import path

from .views import inbox as views

app_name = "core"

urlpatterns = [
    path("approvals/", views.approval_queue, name="approvals"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read/", views.notification_read, name="notification_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
