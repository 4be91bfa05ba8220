from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.export, name="export"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("training/", views.training_overdue, name="training_overdue"),
]
