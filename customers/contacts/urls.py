"""URLs for contacts, visits and follow-ups; included by customers/urls.py (namespace
"customers")."""

from django.urls import path

from customers.contacts import views as views

urlpatterns = [
    path("followups/tasks/", views.task_list, name="task-list"),
    path("followups/tasks/<int:pk>/skip/", views.task_skip, name="task-skip"),
    path("followups/tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("followups/tasks/<int:pk>/reassign/", views.task_reassign, name="task-reassign"),
    path("followups/home/tasks/", views.home_tasks, name="task-home-panel"),
    path("followups/home/customers/", views.home_customers, name="customer-home-panel"),
    path("followups/home/team/", views.home_team, name="team-home-panel"),
    path("followups/calendar/", views.calendar_settings, name="calendar-feed-settings"),
    path("followups/calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("followups/interactions/<int:pk>/edit/", views.interaction_edit, name="interaction-edit"),
    path("<int:pk>/interactions/", views.customer_panel, name="interaction-panel"),
    path("<int:pk>/interactions/new/", views.interaction_new, name="interaction-create"),
    path("<int:pk>/followups/new/", views.task_new, name="task-create"),
]
