"""What customer records put on the 360 timeline (crm.ui.timeline): risk assessments,
documents, ownership changes and the four-eyes approvals about the customer."""

from django.db.models import BigIntegerField, Value
from django.db.models.functions import Left
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit.models import AuditEntry
from crm.core.models import ApprovalRequest
from crm.ui.registry import TimelineSource
from crm.ui.timeline import TEXT_LENGTH, project

from .models import Customer, CustomerDocument, RiskAssessment, RiskClass

CUSTOMER = Customer._meta.label_lower


def _customer_link(customer_id: int):
    return Value(customer_id, output_field=BigIntegerField())


def _assessments(customer_id: int):
    return project(
        RiskAssessment.objects.filter(customer_id=customer_id),
        source="assessment",
        at="assessed_at",
        link="customer_id",
        code="risk_class",
    )


def _describe_assessment(row) -> str:
    label = dict(RiskClass.choices).get(row["code"], row["code"])
    return _("Risk assessment: %(class)s") % {"class": label}


def _documents(customer_id: int):
    return project(
        CustomerDocument.objects.filter(customer_id=customer_id),
        source="document",
        at="uploaded_at",
        link="customer_id",
        code="kind",
        text="title",
    )


def _describe_document(row) -> str:
    kind = dict(CustomerDocument.Kind.choices).get(row["code"], row["code"])
    return _("Document added: %(kind)s · %(title)s") % {"kind": kind, "title": row["text"]}


def _ownership(customer_id: int):
    # The reassignment's audit row is its record (crm.audit; indexed by target).
    return project(
        AuditEntry.objects.filter(
            target_type=CUSTOMER, target_id=str(customer_id), action="customer.reassigned"
        ),
        source="ownership",
        at="at",
        link=_customer_link(customer_id),
        text=Left("purpose", TEXT_LENGTH),
    )


def _describe_ownership(row) -> str:
    if row["text"]:
        return _("Relationship manager changed: %(reason)s") % {"reason": row["text"]}
    return _("Relationship manager changed")


def _approvals(customer_id: int):
    return project(
        ApprovalRequest.objects.filter(target_type=CUSTOMER, target_id=str(customer_id)),
        source="approval",
        at="requested_at",
        code="status",
        text="summary",
    )


def _describe_approval(row) -> str:
    status = dict(ApprovalRequest.Status.choices).get(row["code"], row["code"])
    return _("Approval %(status)s: %(summary)s") % {"status": status, "summary": row["text"]}


SOURCES = (
    TimelineSource(
        "assessment",
        "assessments",
        gettext_lazy("Risk assessments"),
        _assessments,
        _describe_assessment,
        "customers:customer-detail",
        anchor="#kyc",
        order=60,
    ),
    TimelineSource(
        "document",
        "documents",
        gettext_lazy("Documents"),
        _documents,
        _describe_document,
        "customers:customer-detail",
        anchor="#profile",
        order=70,
    ),
    TimelineSource(
        "approval",
        "approvals",
        gettext_lazy("Approvals"),
        _approvals,
        _describe_approval,
        "core:approval-list",
        with_id=False,
        order=80,
    ),
    TimelineSource(
        "ownership",
        "ownership",
        gettext_lazy("Ownership"),
        _ownership,
        _describe_ownership,
        "customers:customer-detail",
        anchor="#profile",
        order=90,
    ),
)
