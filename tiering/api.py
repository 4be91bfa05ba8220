"""Tiering in the integration API (crm.api): a customer's value class and VIP level with the
explanation the 360 panel gives (tiering.selectors.panel: the latest live run's inputs, the
policy's lines, grace and override)."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from crm.api.views import ApiView
from crm.core.access import NotFound
from customers.records.selectors import customer_pk_by_number

from . import selectors


def _explanation(latest) -> dict | None:
    if latest is None:
        return None
    run, policy = latest.run, latest.run.policy
    total = run.total_contribution
    return {
        "as_of": run.as_of.isoformat(),
        "policy_version": latest.policy_version,
        "window_months": policy.window_months,
        "formula": policy.formula,
        "contribution": str(latest.contribution),
        "rank": latest.rank,
        "customers_ranked": run.customers,
        "cumulative_before": str(latest.cumulative_before),
        "cumulative_share": str(latest.cumulative_share),
        "a_share": str(policy.a_share),
        "b_share": str(policy.b_share),
        "a_line": str(policy.a_share * total),
        "b_line": str(policy.b_share * total),
        "computed_class": latest.computed_class,
        "previous_class": latest.previous_class,
        "class_after_grace": latest.base_class,
        "below_streak": latest.below_streak,
        "downgrade_grace_runs": policy.downgrade_grace_runs,
        "applied_class": latest.applied_class,
        "aum": str(latest.aum),
        "computed_vip": latest.computed_vip,
        "vip_level": latest.vip_level,
        "vip_lines": {
            "gold": str(policy.vip_gold),
            "platinum": str(policy.vip_platinum),
            "diamond": str(policy.vip_diamond),
            "private": str(policy.vip_private),
        },
        "capital_segment": latest.capital_segment,
        "overridden": latest.override_id is not None,
    }


TIER_OUT = inline_serializer(
    "CustomerTier",
    {
        "customer": serializers.CharField(),
        "tier": serializers.CharField(),
        "vip_level": serializers.CharField(),
        "explanation": serializers.DictField(allow_null=True),
        "override": serializers.DictField(allow_null=True),
    },
)


class CustomerTierApi(ApiView):
    required_scopes = ("read:tiers",)

    @extend_schema(
        operation_id="customers_tier",
        summary="Value class and VIP level with their explanation",
        responses={200: TIER_OUT},
    )
    def get(self, request, number: str):
        pk = customer_pk_by_number(request.user, number)
        if pk is None:
            raise NotFound
        data = selectors.panel(request.user, pk)
        customer, history, open_override = data["customer"], data["history"], data["open_override"]
        self.records = 1
        return Response(
            {
                "customer": customer.number,
                "tier": customer.tier,
                "vip_level": customer.vip_level,
                "explanation": _explanation(history[0] if history else None),
                "override": (
                    {
                        "tier": open_override.tier,
                        "vip_level": open_override.vip_level,
                        "status": open_override.status,
                        "expires_on": open_override.expires_on.isoformat(),
                    }
                    if open_override
                    else None
                ),
            }
        )


app_name = "api-tiering"
urlpatterns = [
    path("customers/<str:number>/tier/", CustomerTierApi.as_view(), name="customer-tier"),
]
