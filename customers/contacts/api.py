"""Contacts in the integration API (crm.api): a call centre or mobile app logs a contact through
the same service as the web form (`interaction_log`: the same rules, audit row and task
completion), and reads open follow-up tasks."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.pagination import id_page
from crm.api.views import ApiView, idempotent_write
from customers.contacts.models import InteractionChannel, Purpose
from customers.contacts.selectors import contact_parties, open_tasks_for_api
from customers.contacts.services import interaction_log


class InteractionIn(serializers.Serializer):
    customer = serializers.CharField(max_length=20, help_text="Customer number.")
    channel = serializers.ChoiceField(choices=InteractionChannel.choices)
    occurred_at = serializers.DateTimeField()
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    summary = serializers.CharField(max_length=5000)
    outcomes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    other_participants = serializers.CharField(max_length=200, required=False, allow_blank=True)
    staff = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        max_length=20,
        help_text="User names of the staff who took part.",
    )
    task = serializers.IntegerField(
        required=False, min_value=1, help_text="An open follow-up task of this customer to close."
    )


class InteractionOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField()
    channel = serializers.CharField()
    purpose = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    task_completed = serializers.IntegerField(allow_null=True)


class InteractionCreateApi(ApiView):
    required_scopes = ("write:interactions",)

    @extend_schema(
        operation_id="interactions_create",
        summary="Log a contact or visit",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Send the same key when retrying: the contact is logged once.",
            )
        ],
        request=InteractionIn,
        responses={201: InteractionOut},
    )
    def post(self, request):
        form = InteractionIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data

        def write():
            found = contact_parties(
                request.user,
                customer_number=data["customer"],
                staff_names=data.get("staff", []),
                task_id=data.get("task"),
            )
            if found["errors"]:
                raise serializers.ValidationError(found["errors"])
            interaction = interaction_log(
                request.user,
                found["customer"],
                channel=data["channel"],
                occurred_at=data["occurred_at"],
                purpose=data["purpose"],
                summary=data["summary"],
                outcomes=data.get("outcomes", ""),
                next_steps=data.get("next_steps", ""),
                other_participants=data.get("other_participants", ""),
                staff=found["staff"],
                task=found["task"],
            )
            self.records = 1
            return 201, {
                "id": interaction.pk,
                "customer": found["customer"].number,
                "channel": interaction.channel,
                "purpose": interaction.purpose,
                "occurred_at": interaction.occurred_at.isoformat(),
                "created_at": interaction.created_at.isoformat(),
                "task_completed": found["task"].pk if found["task"] else None,
            }

        return idempotent_write(self, request, write)


class TaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.CharField()
    title = serializers.CharField()
    reason = serializers.CharField()
    due_on = serializers.DateField()
    owner = serializers.CharField()


class OpenTaskListApi(ApiView):
    required_scopes = ("read:tasks",)

    @extend_schema(
        operation_id="tasks_open_list",
        summary="Open follow-up tasks, in keyset pages",
        parameters=[
            OpenApiParameter("customer", str, description="Only this customer's tasks."),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses={
            200: inline_serializer(
                "TaskPage",
                {
                    "results": TaskOut(many=True),
                    "next_cursor": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request):
        qs = open_tasks_for_api(request.user, customer_number=request.query_params.get("customer"))
        tasks, cursor = id_page(request, qs)
        self.records = len(tasks)
        results = [
            {
                "id": t.pk,
                "customer": t.customer.number,
                "title": t.title_text,
                "reason": t.reason,
                "due_on": t.due_on.isoformat(),
                "owner": t.owner.username,
            }
            for t in tasks
        ]
        return Response({"results": results, "next_cursor": cursor})


app_name = "api-contacts"
urlpatterns = [
    path("interactions/", InteractionCreateApi.as_view(), name="interaction-create"),
    path("tasks/", OpenTaskListApi.as_view(), name="task-list"),
]
