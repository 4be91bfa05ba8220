"""Writes for customer records: one function per use case, atomic, audited."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.access import is_read_only
from crm.audit.services import record
from crm.core import downloads
from crm.ui.formatting import mask_email, mask_phone
from customers.records.models import Customer, CustomerImport, PiiExport, SavedFilter
from customers.records.selectors import assignable_staff, customers_for
from customers.records.signals import customer_reassigned

_CHUNK = 5000
PII_EXPORT_KIND = "customers.pii_export"
# After approval the requester may download the unmasked file once within this time.
PII_EXPORT_WINDOW = datetime.timedelta(hours=24)

# Fields a reveal may show, with how each is read from the customer.
REVEALABLE = {
    "mobile": lambda c: c.mobile,
    "email": lambda c: c.email,
    "id_number": lambda c: c.decrypted_id_number(),
}
# Small fields editable inline on the 360 page (htmx), with their audit names.
INLINE_FIELDS = ("occupation", "address", "legal_representative", "id_expires_on")


def _require(user, perm: str, message: str) -> None:
    if is_read_only(user) or not user.has_perm(perm):
        raise PermissionDenied(message)


def _in_book(user, customer: Customer) -> Customer:
    """Re-check scope inside the service too: a view bug must not leak another RM's customer."""
    locked = customers_for(user).select_for_update(of=("self",)).filter(pk=customer.pk).first()
    if locked is None:
        raise Customer.DoesNotExist
    return locked


def apply_classifications(rows: Iterable[tuple[int, str, str]]) -> int:
    """Set (customer_id, tier, vip_level) for many customers; the only writer of those fields.

    Called by the tiering app after a recalculation or an approved override. Set-based: one
    UPDATE per chunk of rows that actually change.
    """
    changed = 0
    batch: list[Customer] = []
    for customer_id, tier, vip_level in rows:
        batch.append(Customer(pk=customer_id, tier=tier, vip_level=vip_level))
        if len(batch) >= _CHUNK:
            changed += Customer.objects.bulk_update(batch, ["tier", "vip_level"])
            batch = []
    if batch:
        changed += Customer.objects.bulk_update(batch, ["tier", "vip_level"])
    return changed


def apply_classifications_from(
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
        f"UPDATE {table} SET tier = s.{tier}, vip_level = s.{vip_level} "  # noqa: S608
        f"FROM ({sub_sql}) AS s "
        f"WHERE {table}.id = s.{customer} "
        f"AND ({table}.tier <> s.{tier} OR {table}.vip_level <> s.{vip_level})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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


def create_customer(acting_user, customer: Customer, *, id_number: str = "") -> Customer:
    """Save a new customer built by a form; branch and team follow the owner. Audited."""
    _require(acting_user, "customers.add_customer", _("You may not create customers."))
    if not assignable_staff(acting_user).filter(pk=customer.owner_id).exists():
        raise ValidationError({"owner": _("You cannot give customers to this person.")})
    customer.branch_id = customer.owner.branch_id
    customer.team_id = customer.owner.team_id
    if id_number:
        customer.set_id_number(id_number)
    try:
        with transaction.atomic():
            customer.save()
            record(
                acting_user,
                "customer.created",
                customer,
                after=_masked_snapshot(customer, ["number", "kind", "owner_id", "mobile"]),
            )
    except IntegrityError:
        raise ValidationError(
            _("A customer with this number, ID number or credit code already exists.")
        ) from None
    return customer


def update_customer(
    acting_user, customer: Customer, changed: dict, *, id_number: str = ""
) -> Customer:
    """Apply `changed` {field: value} (already validated by the form). Audited, PII masked."""
    _require(acting_user, "customers.change_customer", _("You may not change customers."))
    try:
        with transaction.atomic():
            locked = _in_book(acting_user, customer)
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
    except IntegrityError:
        raise ValidationError(
            _("A customer with this number, ID number or credit code already exists.")
        ) from None
    return locked


# ---- privacy: reveal ------------------------------------------------------------------------


def reveal_pii(acting_user, customer: Customer, field: str, *, purpose: str) -> str:
    """The clear value of one personal-information field, for this response only. Audited in
    the same transaction: if the audit row cannot be written, nothing is shown."""
    _require(acting_user, "customers.reveal_pii", _("You may not reveal personal information."))
    if field not in REVEALABLE:
        raise ValidationError(_("This field cannot be revealed."))
    purpose = (purpose or "").strip()
    if len(purpose) < 2:
        raise ValidationError({"purpose": _("Please state why you need to see this value.")})
    with transaction.atomic():
        if not customers_for(acting_user).filter(pk=customer.pk).exists():
            raise Customer.DoesNotExist
        value = REVEALABLE[field](customer)
        record(
            acting_user,
            "customer.pii_revealed",
            customer,
            purpose=purpose,
            after={"field": field},
        )
    return value


# ---- ownership ------------------------------------------------------------------------------


def _check_reassignment(acting_user, new_owner, reason: str) -> str:
    _require(acting_user, "customers.reassign_customer", _("You may not reassign customers."))
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


def reassign_customer(acting_user, customer: Customer, new_owner, *, reason: str) -> Customer:
    """Move a customer to another RM; branch and team follow the owner. Audited."""
    reason = _check_reassignment(acting_user, new_owner, reason)
    with transaction.atomic():
        locked = _in_book(acting_user, customer)
        return _reassign_locked(acting_user, locked, new_owner, reason)


def bulk_reassign(acting_user, customer_ids: Iterable[int], new_owner, *, reason: str) -> int:
    """Move many customers at once (an RM leaves, a book is rebalanced). All or nothing: a
    customer outside the acting user's scope fails the whole request."""
    reason = _check_reassignment(acting_user, new_owner, reason)
    ids = sorted({int(pk) for pk in customer_ids})
    if not ids:
        raise ValidationError(_("Select at least one customer."))
    with transaction.atomic():
        locked = list(
            customers_for(acting_user)
            .select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(locked) != len(ids):
            raise Customer.DoesNotExist
        for customer in locked:
            if customer.owner_id != new_owner.pk:
                _reassign_locked(acting_user, customer, new_owner, reason)
    return len(locked)


# ---- saved filters --------------------------------------------------------------------------


def save_filter(acting_user, name: str, query: str) -> SavedFilter:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please name the filter.")})
    saved, _created = SavedFilter.objects.update_or_create(
        owner=acting_user, name=name[:60], defaults={"query": query[:500]}
    )
    return saved


def delete_filter(acting_user, pk: int) -> None:
    SavedFilter.objects.filter(owner=acting_user, pk=pk).delete()


# ---- exports --------------------------------------------------------------------------------


def record_masked_export(acting_user, filters: dict, rows: int) -> None:
    _require(acting_user, "customers.export_customers", _("You may not export customers."))
    record(acting_user, "customer.exported", None, after={"filters": filters, "rows": rows})


def request_pii_export(acting_user, filters: dict, *, reason: str) -> PiiExport:
    """Ask a second person to approve an unmasked export of the filtered list."""
    _require(acting_user, "customers.export_customers", _("You may not export customers."))
    return downloads.request_download(
        PiiExport,
        acting_user,
        PII_EXPORT_KIND,
        summary=_("Unmasked customer export requested by %(user)s") % {"user": acting_user},
        reason=reason,
        filters=filters,
    )


def on_pii_export_approved(approval, acting_user) -> None:
    downloads.open_window(PiiExport, approval, PII_EXPORT_WINDOW)


def take_pii_export(acting_user, export_id: int) -> PiiExport:
    """Claim the one download of an approved export. Audited; a second call fails."""
    return downloads.take_download(
        PiiExport, acting_user, export_id, action="customer.pii_export_downloaded"
    )


# ---- import ---------------------------------------------------------------------------------


def stage_import(acting_user, upload) -> CustomerImport:
    """Validate every row of an uploaded CSV/XLSX and keep the result for a preview."""
    from customers.records.importing import parse_and_validate

    _require(acting_user, "customers.import_customers", _("You may not import customers."))
    result = parse_and_validate(upload, acting_user)
    with transaction.atomic():
        staged = CustomerImport.objects.create(
            created_by=acting_user,
            file_name=upload.name[:200],
            file_sha256=result.sha256,
            total_rows=result.total,
            valid_rows=result.valid,
            existing_rows=result.existing,
            errors=result.errors,
        )
        record(
            acting_user,
            "customer.import_staged",
            staged,
            after={
                "rows": result.total,
                "valid": len(result.valid),
                "existing": result.existing,
                "errors": len(result.errors),
            },
        )
    return staged


def confirm_import(acting_user, import_id: int) -> CustomerImport:
    """Write the valid rows in one transaction. Rows that appeared in the meantime (same
    number, ID number or credit code) are skipped, so a repeated import changes nothing."""
    from customers.records.importing import build_customers

    _require(acting_user, "customers.import_customers", _("You may not import customers."))
    with transaction.atomic():
        staged = (
            CustomerImport.objects.select_for_update()
            .filter(pk=import_id, created_by=acting_user)
            .first()
        )
        if staged is None:
            raise CustomerImport.DoesNotExist
        if staged.status != CustomerImport.Status.PENDING:
            raise ValidationError(_("This import has already been confirmed or cancelled."))
        owners = {
            u.pk: u
            for u in assignable_staff(acting_user).filter(
                pk__in={r["owner_id"] for r in staged.valid_rows}
            )
        }
        customers = build_customers(staged.valid_rows, owners)
        created = Customer.objects.bulk_create(customers, batch_size=1000)
        staged.status = CustomerImport.Status.CONFIRMED
        staged.created_count = len(created)
        staged.confirmed_at = timezone.now()
        staged.save(update_fields=["status", "created_count", "confirmed_at"])
        record(
            acting_user,
            "customer.imported",
            staged,
            after={"created": len(created), "numbers": [c.number for c in created][:1000]},
        )
    return staged


def cancel_import(acting_user, import_id: int) -> None:
    with transaction.atomic():
        updated = CustomerImport.objects.filter(
            pk=import_id, created_by=acting_user, status=CustomerImport.Status.PENDING
        ).update(status=CustomerImport.Status.CANCELLED)
        if updated:
            record(acting_user, "customer.import_cancelled", None, after={"import": import_id})
