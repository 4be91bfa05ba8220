"""URLs for contacts, visits and follow-ups; included by customers/urls.py (namespace
"customers")."""

from django.urls import path

from customers.contacts import views as views

urlpatterns = [
    path("followups/tasks/", views.task_list, name="tasks"),
    path("followups/tasks/<int:pk>/skip/", views.task_skip, name="task_skip"),
    path("followups/tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("followups/tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("followups/home/tasks/", views.home_tasks, name="home_tasks"),
    path("followups/home/customers/", views.home_customers, name="home_customers"),
    path("followups/home/team/", views.home_team, name="home_team"),
    path("followups/calendar/", views.calendar_settings, name="calendar_settings"),
    path("followups/calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("followups/interactions/<int:pk>/edit/", views.interaction_edit, name="interaction_edit"),
    path("<int:pk>/interactions/", views.customer_panel, name="interactions_panel"),
    path("<int:pk>/interactions/new/", views.interaction_new, name="interaction_new"),
    path("<int:pk>/followups/new/", views.task_new, name="task_new"),
]
