"""Logging a complaint (customer page, counter, regulator) and adding its documents."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record
from crm.core.access import NotFound
from customers.records.access import customers_for

from ..access import access_complaint
from ..models import Attachment, Complaint, History, Intake, SlaProfile
from . import clocks
from .history import history_add


def _default_profile() -> SlaProfile:
    return SlaProfile.objects.filter(is_default=True).first() or SlaProfile.objects.first()


def profile_for_branch(branch) -> SlaProfile:
    """The SLA profile of the handling branch's jurisdiction, or the default profile."""
    if branch is not None:
        found = SlaProfile.objects.filter(jurisdiction=branch.jurisdiction).first()
        if found is not None:
            return found
    return _default_profile()


def complaint_log(
    acting_user,
    *,
    intake: str,
    channel,
    business_category,
    cause,
    received_at,
    demands: str,
    facts: str,
    customer=None,
    is_anonymous: bool = False,
    complainant_name: str = "",
    complainant_contact: str = "",
    product=None,
    regulator_reference: str = "",
    profile: SlaProfile | None = None,
    files=(),
) -> Complaint:
    require(
        acting_user, "complaints.add_complaint", message=_("You are not allowed to log complaints.")
    )
    regulator = intake == Intake.REGULATOR
    if regulator and not acting_user.has_perm("complaints.log_regulator_complaint"):
        raise PermissionDenied(_("Only compliance logs complaints forwarded by the regulator."))
    errors = {}
    if customer is not None and not customers_for(acting_user).filter(pk=customer.pk).exists():
        raise NotFound
    if is_anonymous and customer is not None:
        errors["is_anonymous"] = _("An anonymous complaint cannot be linked to a customer.")
    if is_anonymous:
        complainant_name = ""
    elif not complainant_name.strip():
        if customer is not None:
            complainant_name = customer.name
        else:
            errors["complainant_name"] = _(
                "Please give the complainant's name, or mark it anonymous."
            )
    if received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = _("The receipt time cannot be in the future.")
    if regulator and not regulator_reference.strip():
        errors["regulator_reference"] = _("Please give the regulator's reference number.")
    if not (demands or "").strip():
        errors["demands"] = _("Please state what the complainant asks for.")
    if not (facts or "").strip():
        errors["facts"] = _("Please state the facts and reasons.")
    if errors:
        raise ValidationError(errors)
    branch = (customer.branch if customer is not None else None) or acting_user.branch
    profile = profile or profile_for_branch(branch)
    received_on = timezone.localdate(received_at)
    with transaction.atomic():
        c = Complaint(
            reference=f"TMP-{uuid.uuid4().hex[:20]}",
            intake=intake,
            customer=customer,
            is_anonymous=is_anonymous,
            complainant_name=complainant_name.strip(),
            complainant_contact=complainant_contact.strip(),
            channel=channel,
            business_category=business_category,
            cause=cause,
            product=product,
            received_at=received_at,
            demands=demands.strip(),
            facts=facts.strip(),
            logged_by=acting_user,
            branch=branch,
            regulator_forwarded=regulator,
            regulator_reference=regulator_reference.strip(),
            profile=profile,
            clock_start=received_on,
            ack_due=clocks.ack_due(profile, received_on, regulator),
        )
        clocks.recompute(c)
        c.save()
        c.reference = f"TS{received_on:%Y%m%d}{c.pk:07d}"
        c.save(update_fields=["reference"])
        for f in files:
            Attachment.objects.create(
                complaint=c, file=f, name=f.name[:200], uploaded_by=acting_user
            )
        history_add(c, History.Event.CREATED, acting_user, from_state="")
        record(
            acting_user,
            "complaint.logged",
            c,
            after={
                "intake": intake,
                "customer": customer.pk if customer else None,
                "profile": profile.code,
            },
        )
    return c


def complaint_attach(acting_user, complaint_id, file) -> Attachment:
    """Add a document to a complaint in the user's scope."""
    require(
        acting_user, "complaints.add_complaint", message=_("You are not allowed to add documents.")
    )
    with transaction.atomic():
        c = access_complaint(acting_user, complaint_id, for_write=True)
        att = Attachment.objects.create(
            complaint=c, file=file, name=file.name[:200], uploaded_by=acting_user
        )
        record(acting_user, "complaint.attached", c, after={"name": att.name})
    return att
