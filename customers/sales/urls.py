"""URLs of sales and service; composed into the "customers" namespace under sales/ by
customers/urls.py."""

from django.urls import path

from customers.sales import views as v

urlpatterns = [
    path("pipeline/", v.board, name="prospect-board"),
    path("pipeline/home/", v.pipeline_home_panel, name="prospect-home-panel"),
    path("pipeline/filters/", v.board_filters, name="prospect-board-filters"),
    path("prospects/new/", v.prospect_create, name="prospect-create"),
    path("prospects/<int:pk>/", v.prospect_detail, name="prospect-detail"),
    path(
        "prospects/<int:pk>/contact/reveal/",
        v.prospect_contact_reveal,
        name="prospect-contact-reveal",
    ),
    path("prospects/<int:pk>/next/", v.prospect_next_step, name="prospect-next-step"),
    path("prospects/<int:pk>/move/", v.prospect_move, name="prospect-move"),
    path("customer/<int:pk>/lifecycle/", v.lifecycle_panel, name="lifecycle-panel"),
    path("customer/<int:pk>/lifecycle/move/", v.customer_move, name="lifecycle-move"),
    path("customer/<int:pk>/surveys/", v.survey_panel, name="survey-panel"),
    path("customer/<int:pk>/surveys/new/", v.survey_create, name="survey-create"),
    path("handovers/", v.handover_list, name="handover-list"),
    path("handovers/new/", v.handover_start, name="handover-start"),
    path("handovers/<int:pk>/", v.handover_detail, name="handover-detail"),
    path("handovers/<int:pk>/complete/", v.handover_complete, name="handover-complete"),
    path("handovers/<int:pk>/cancel/", v.handover_cancel, name="handover-cancel"),
    path("staff/<int:pk>/handover/", v.handover_panel, name="handover-panel"),
    path("channels/", v.channel_list, name="channel-list"),
    path("channels/<int:pk>/", v.channel_detail, name="channel-detail"),
    path("activities/", v.activity_list, name="activity-list"),
    path("activities/new/", v.activity_create, name="activity-create"),
    path("activities/<int:pk>/", v.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/invite/", v.activity_invite, name="activity-invite"),
    path("activities/<int:pk>/status/", v.activity_status, name="activity-status"),
    path("activities/<int:pk>/held/", v.activity_held, name="activity-held"),
    path("statements/", v.statement_list, name="statement-list"),
    path("statements/generate/", v.statement_generate, name="statement-generate"),
    path("statements/runs/", v.statement_runs, name="statement-run-list"),
    path("statements/<int:pk>/", v.statement_detail, name="statement-detail"),
    path("statements/<int:pk>/review/", v.statement_review, name="statement-review"),
    path("statements/<int:pk>/send/", v.statement_send, name="statement-send"),
    path("statements/<int:pk>/pdf/", v.statement_pdf, name="statement-pdf"),
]
