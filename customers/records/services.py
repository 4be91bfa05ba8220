"""Writes for customer records: one function per use case, atomic, audited."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.permissions import require
from crm.audit.services import record, record_rows
from crm.core.bulk import lock_selection
from crm.core.duplicates import refuse_duplicate
from crm.core.reveal import REVEAL_PERMISSION, reveal
from crm.ui.formatting import mask_email, mask_phone
from customers.records.access import access_customer, customers_for
from customers.records.filters import search_params
from customers.records.models import Customer
from customers.records.selectors import assignable_staff
from customers.records.signals import customer_reassigned

_CHUNK = 5000

# Fields a reveal may show, with how each is read from the customer.
REVEALABLE = {
    "mobile": lambda c: c.mobile,  # decrypts
    "email": lambda c: c.email,
    "id_number": lambda c: c.decrypted_id_number(),
}
# Small fields editable inline on the 360 page (htmx), with their audit names.
INLINE_FIELDS = ("occupation", "address", "legal_representative", "id_expires_on")


def customers_classify(rows: Iterable[tuple[int, str, str]]) -> int:
    """Set (customer_id, tier, vip_level) for many customers; the only writer of those fields.

    Called by the tiering app after a recalculation or an approved override. Set-based: one
    UPDATE per chunk of rows that actually change.
    """
    changed = 0
    batch: list[Customer] = []
    # bulk_update bypasses auto_now: the stamp is set here so API clients syncing by
    # updated_since see the new class.
    now = timezone.now()
    fields = ["tier", "vip_level", "updated_at"]
    for customer_id, tier, vip_level in rows:
        batch.append(Customer(pk=customer_id, tier=tier, vip_level=vip_level, updated_at=now))
        if len(batch) >= _CHUNK:
            changed += Customer.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        changed += Customer.objects.bulk_update(batch, fields)
    return changed


def customers_classify_from(
    source, *, customer: str = "customer_id", tier: str = "tier", vip_level: str = "vip_level"
) -> int:
    """Set-based variant for a whole run: `source` is a `.values()` queryset (of any app's
    model) with the columns named by `customer`, `tier`, `vip_level`. One UPDATE … FROM touching
    only customers whose values change (PostgreSQL; SQLite ≥ 3.33). Returns the rows changed."""
    from django.db import connection

    sub_sql, params = source.query.sql_with_params()
    table = Customer._meta.db_table
    # Identifiers come from code (model metadata, caller's column names), values are parameters.
    sql = (
        # updated_at too (raw SQL bypasses auto_now): the API's updated_since sync needs it.
        f"UPDATE {table} SET tier = s.{tier}, vip_level = s.{vip_level}, "  # noqa: S608
        f"updated_at = %s "
        f"FROM ({sub_sql}) AS s "
        f"WHERE {table}.id = s.{customer} "
        f"AND ({table}.tier <> s.{tier} OR {table}.vip_level <> s.{vip_level})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *params])
        return cursor.rowcount


# ---- create and edit ------------------------------------------------------------------------


def _masked_snapshot(customer: Customer, fields) -> dict:
    """Field values for the audit row, personal information masked."""
    maskers = {"mobile": mask_phone, "email": mask_email}
    out = {}
    for name in fields:
        value = getattr(customer, name)
        out[name] = maskers[name](value) if name in maskers else value
    return out


def _duplicate_customer() -> str:
    return _("A customer with this number, ID number or credit code already exists.")


def customer_create(acting_user, customer: Customer, *, id_number: str = "") -> Customer:
    """Save a new customer built by a form; branch and team follow the owner. Audited."""
    require(acting_user, "customers.add_customer", message=_("You may not create customers."))
    if not assignable_staff(acting_user).filter(pk=customer.owner_id).exists():
        raise ValidationError({"owner": _("You cannot give customers to this person.")})
    customer.branch_id = customer.owner.branch_id
    customer.team_id = customer.owner.team_id
    if id_number:
        customer.set_id_number(id_number)
    with refuse_duplicate(_duplicate_customer()):
        customer.save()
        record(
            acting_user,
            "customer.created",
            customer,
            after=_masked_snapshot(customer, ["number", "kind", "owner_id", "mobile"]),
        )
    return customer


def customer_update(
    acting_user, customer: Customer, changed: dict, *, id_number: str = ""
) -> Customer:
    """Apply `changed` {field: value} (already validated by the form). Audited, PII masked."""
    require(acting_user, "customers.change_customer", message=_("You may not change customers."))
    with refuse_duplicate(_duplicate_customer()):
        # Scope re-checked inside the service: a view bug must not leak a customer.
        locked = access_customer(acting_user, customer.pk, for_write=True)
        fields = [f for f in changed if f not in {"owner", "branch", "team"}]
        before = _masked_snapshot(locked, fields)
        for name in fields:
            setattr(locked, name, changed[name])
        if id_number:
            before["id_number"] = locked.id_number_masked
            locked.set_id_number(id_number)
        locked.save()
        after = _masked_snapshot(locked, fields)
        if id_number:
            after["id_number"] = locked.id_number_masked
        record(acting_user, "customer.changed", locked, before=before, after=after)
    return locked


# ---- privacy: reveal ------------------------------------------------------------------------


def customer_reveal_pii(acting_user, customer: Customer, field: str, *, purpose: str) -> str:
    """The clear value of one personal-information field, for this response only; audited."""
    if field not in REVEALABLE:
        raise ValidationError(_("This field cannot be revealed."))
    return reveal(
        acting_user,
        find=lambda: access_customer(acting_user, customer.pk),
        read=REVEALABLE[field],
        action="customer.pii_revealed",
        field=field,
        purpose=purpose,
    )


# ---- ownership ------------------------------------------------------------------------------


def _check_reassignment(acting_user, new_owner, reason: str) -> str:
    require(
        acting_user, "customers.reassign_customer", message=_("You may not reassign customers.")
    )
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Please give a reason for the reassignment.")})
    if not new_owner.is_active or new_owner.branch_id is None:
        raise ValidationError(
            {"owner": _("The new relationship manager must be active and belong to a branch.")}
        )
    if not assignable_staff(acting_user).filter(pk=new_owner.pk).exists():
        raise ValidationError(
            {"owner": _("You can only hand customers to staff within your team or branch.")}
        )
    return reason.strip()


def _reassign_locked(acting_user, locked: Customer, new_owner, reason: str) -> Customer:
    before = {"owner": locked.owner_id, "branch": locked.branch_id, "team": locked.team_id}
    locked.owner = new_owner
    locked.branch_id = new_owner.branch_id
    locked.team_id = new_owner.team_id
    locked.save(update_fields=["owner", "branch", "team", "updated_at"])
    record(
        acting_user,
        "customer.reassigned",
        locked,
        purpose=reason,
        before=before,
        after={"owner": new_owner.pk, "branch": locked.branch_id, "team": locked.team_id},
    )
    customer_reassigned.send(
        sender=Customer,
        customer=locked,
        old_owner_id=before["owner"],
        new_owner=new_owner,
        acting_user=acting_user,
    )
    return locked


def customer_reassign(acting_user, customer: Customer, new_owner, *, reason: str) -> Customer:
    """Move a customer to another RM; branch and team follow the owner. Audited."""
    reason = _check_reassignment(acting_user, new_owner, reason)
    with transaction.atomic():
        locked = access_customer(acting_user, customer.pk, for_write=True)
        return _reassign_locked(acting_user, locked, new_owner, reason)


def customers_reassign(acting_user, customer_ids: Iterable, new_owner, *, reason: str) -> int:
    """Move many customers at once (an RM leaves, a book is rebalanced): the list's bulk
    action. All or nothing (crm.core.bulk): a customer outside the acting user's scope refuses
    the whole batch with a message. Returns how many changed owner."""
    reason = _check_reassignment(acting_user, new_owner, reason)
    with transaction.atomic():
        locked = lock_selection(customers_for(acting_user), customer_ids)
        moved = [c for c in locked if c.owner_id != new_owner.pk]
        for customer in moved:
            _reassign_locked(acting_user, customer, new_owner, reason)
    return len(moved)


# ---- masked export --------------------------------------------------------------------------


def customers_export(acting_user, filters: dict, rows: int) -> None:
    """Record a masked export of the filtered list (the file itself is built by the view)."""
    require(acting_user, "customers.export_customers", message=_("You may not export customers."))
    filters = search_params(filters)  # an identifier searched for only as its token
    record(acting_user, "customer.exported", None, after={"filters": filters, "rows": rows})


def customers_pii_revealed(acting_user, rows, *, purpose: str) -> int:
    """Audit a batch reveal (the integration API with its PII scope): one row per customer
    (`rows`: dicts with id, name, number), in the caller's transaction, written before any clear
    value leaves. Set-based."""
    require(acting_user, REVEAL_PERMISSION, message=_("You may not reveal personal information."))
    actor_id = acting_user.pk
    label = Customer._meta.label_lower
    return record_rows(
        {
            "actor_id": actor_id,
            "action": "customer.pii_revealed",
            "target_type": label,
            "target_id": str(row["id"]),
            "target_repr": f"{row['name']} ({row['number']})"[:255],
            "purpose": purpose,
            "before": None,
            "after": {"field": "id_number,mobile,email"},
        }
        for row in rows
    )
