from django.urls import path

from customers.sales import views as v

app_name = "sales"

urlpatterns = [
    path("pipeline/", v.board, name="board"),
    path("pipeline/home/", v.pipeline_home_panel, name="home_panel"),
    path("pipeline/filters/", v.board_filters, name="board_filters"),
    path("prospects/new/", v.prospect_create, name="prospect_create"),
    path("prospects/<int:pk>/", v.prospect_detail, name="prospect"),
    path("prospects/<int:pk>/next/", v.prospect_next_step, name="prospect_next"),
    path("prospects/<int:pk>/move/", v.prospect_move, name="prospect_move"),
    path("customer/<int:pk>/lifecycle/", v.lifecycle_panel, name="lifecycle_panel"),
    path("customer/<int:pk>/lifecycle/move/", v.customer_move, name="customer_move"),
    path("customer/<int:pk>/surveys/", v.survey_panel, name="survey_panel"),
    path("customer/<int:pk>/surveys/new/", v.survey_create, name="survey_create"),
    path("handovers/", v.handover_list, name="handovers"),
    path("handovers/new/", v.handover_start, name="handover_start"),
    path("handovers/<int:pk>/", v.handover_detail, name="handover"),
    path("handovers/<int:pk>/complete/", v.handover_complete, name="handover_complete"),
    path("handovers/<int:pk>/cancel/", v.handover_cancel, name="handover_cancel"),
    path("staff/<int:pk>/handover/", v.handover_panel, name="handover_panel"),
    path("channels/", v.channel_list, name="channels"),
    path("channels/<int:pk>/", v.channel_detail, name="channel"),
    path("activities/", v.activity_list, name="activities"),
    path("activities/new/", v.activity_create, name="activity_create"),
    path("activities/<int:pk>/", v.activity_detail, name="activity"),
    path("activities/<int:pk>/invite/", v.activity_invite, name="activity_invite"),
    path("activities/<int:pk>/status/", v.activity_status, name="activity_status"),
    path("activities/<int:pk>/held/", v.activity_held, name="activity_held"),
    path("statements/", v.statement_list, name="statements"),
    path("statements/generate/", v.statement_generate, name="statement_generate"),
    path("statements/runs/", v.statement_runs, name="statement_runs"),
    path("statements/<int:pk>/", v.statement_detail, name="statement"),
    path("statements/<int:pk>/review/", v.statement_review, name="statement_review"),
    path("statements/<int:pk>/send/", v.statement_send, name="statement_send"),
    path("statements/<int:pk>/pdf/", v.statement_pdf, name="statement_pdf"),
]
