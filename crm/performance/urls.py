from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.dashboard, name="team-dashboard"),
    path("export/", views.export, name="figure-export"),
    path("staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("training/", views.training_overdue, name="training-overdue"),
]
