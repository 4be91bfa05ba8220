from django.urls import path

from .views import inbox as views
from .views import jobs as job_views
from .views import recent as recent_views

app_name = "core"

urlpatterns = [
    path("approvals/", views.approval_queue, name="approval-list"),
    path("approvals/<int:pk>/decide/", views.approval_decide, name="approval-decide"),
    path("approvals/<int:pk>/withdraw/", views.approval_withdraw, name="approval-withdraw"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read/", views.notification_read, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("recent/", recent_views.recent_list, name="recent-list"),
    path("jobs/", job_views.job_list, name="job-list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job-detail"),
]
