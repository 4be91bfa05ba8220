"""Customer import (DESIGN §5.1): parse a CSV or XLSX file, validate every row, and report
errors by row, column, value and reason. Nothing here writes; customers.records.transfers
stages and confirms through crm.core.imports."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm import crypto
from crm.core.config import fiducia
from crm.core.imports import ValidatedRows, formula_refused, read_rows
from crm.core.spreadsheets import looks_like_formula
from crm.identifiers import mask_identifiers
from crm.ui.formatting import mask_email, mask_id_number, mask_phone
from customers.records.models import Customer, CustomerKind, InstitutionType
from customers.records.selectors import assignable_staff
from customers.records.validators import (
    birth_date_from_resident_id,
    validate_cn_mobile,
    validate_resident_id,
    validate_uscc,
)

# Column headers accepted in English or Chinese.
COLUMNS = {
    "number": ("number", "客户号"),
    "kind": ("kind", "类型"),
    "name": ("name", "名称"),
    "institution_type": ("institution_type", "机构类型"),
    "id_number": ("id_number", "身份证号"),
    "uscc": ("uscc", "统一社会信用代码"),
    "mobile": ("mobile", "手机"),
    "email": ("email", "邮箱"),
    "legal_representative": ("legal_representative", "法定代表人"),
    "owner": ("owner", "客户经理"),
}
REQUIRED = ("number", "kind", "name")
KIND_ALIASES = {
    "individual": CustomerKind.INDIVIDUAL,
    "个人": CustomerKind.INDIVIDUAL,
    "institution": CustomerKind.INSTITUTION,
    "机构": CustomerKind.INSTITUTION,
}
_PII_MASK = {"id_number": mask_id_number, "mobile": mask_phone, "email": mask_email}


def _header_map(header: list[str]) -> dict[str, int]:
    lookup = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping = {}
    for index, title in enumerate(header):
        key = lookup.get(title.strip().lower())
        if key:
            mapping[key] = index
    missing = [k for k in REQUIRED if k not in mapping]
    if missing:
        raise ValidationError(
            _("The header row must name these columns: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    return mapping


def parse_and_validate(upload, acting_user) -> ValidatedRows:
    max_rows = fiducia("IMPORTS", "CUSTOMER_MAX_ROWS")
    rows, data = read_rows(upload, max_rows=max_rows)
    result = ValidatedRows(sha256=hashlib.sha256(data).hexdigest())
    rows = [r for r in rows if any(v for v in r)]
    if not rows:
        raise ValidationError(_("The file is empty."))
    mapping = _header_map(rows[0])
    body = rows[1:]
    if len(body) > max_rows:
        raise ValidationError(_("At most %(n)d rows can be imported at once.") % {"n": max_rows})
    staff = {u.username: u for u in assignable_staff(acting_user)}
    candidates = []
    seen: dict[tuple[str, str], int] = {}
    for offset, raw in enumerate(body):
        row_no = offset + 2  # spreadsheet row number, header is row 1
        values = {k: (raw[i] if i < len(raw) else "") for k, i in mapping.items()}
        errors: list[tuple[str, str, str]] = []
        clean = _validate_row(values, staff, acting_user, errors)
        for key_name in ("number", "id_hash", "uscc"):
            key = clean.get(key_name)
            if key and not errors:
                first = seen.get((key_name, key))
                if first:
                    column = {"id_hash": "id_number"}.get(key_name, key_name)
                    errors.append(
                        (
                            column,
                            values.get(column, ""),
                            _("Duplicate of row %(row)d in this file.") % {"row": first},
                        )
                    )
                else:
                    seen[(key_name, key)] = row_no
        for column, value, reason in errors:
            mask = _PII_MASK.get(column)
            result.errors.append(
                {
                    "row": row_no,
                    "column": column,
                    # Other columns too: an ID number typed into the wrong one is still one.
                    "value": mask(value) if mask else mask_identifiers(value),
                    "reason": str(reason),
                }
            )
        if not errors:
            clean["row"] = row_no
            candidates.append(clean)
    result.total = len(body)
    present = _present_keys(candidates)
    for clean in candidates:
        if _is_present(clean, present):
            result.existing += 1
        else:
            result.valid.append(clean)
    return result


def _validate_row(values, staff, acting_user, errors) -> dict:
    clean: dict = {}

    def check(column, func):
        value = values.get(column, "")
        try:
            return func(value)
        except ValidationError as exc:
            errors.append((column, value, " ".join(str(m) for m in exc.messages)))
            return None

    number = values.get("number", "").strip().upper()
    if not number or len(number) > 20:
        errors.append(("number", number, _("A customer number of 1–20 characters is required.")))
    clean["number"] = number
    kind = KIND_ALIASES.get(values.get("kind", "").strip().lower())
    if kind is None:
        errors.append(
            ("kind", values.get("kind", ""), _("Kind must be individual or institution."))
        )
    clean["kind"] = kind
    name = values.get("name", "").strip()
    if not name or len(name) > 200:
        errors.append(("name", name, _("A name of 1–200 characters is required.")))
    clean["name"] = name
    for column in ("number", "name", "legal_representative"):
        # Codes and names never begin like a spreadsheet formula.
        if looks_like_formula(values.get(column, "").strip()):
            errors.append((column, values[column].strip(), formula_refused()))
    # Staged rows keep personal data encrypted, like the ID number below.
    if values.get("mobile"):
        clean["mobile_encrypted"] = crypto.encrypt(check("mobile", validate_cn_mobile) or "")
    if values.get("email"):
        email = check("email", lambda v: validate_email(v) or v.strip()) or ""
        clean["email_encrypted"] = crypto.encrypt(email)
    owner_name = values.get("owner", "").strip()
    owner = staff.get(owner_name) if owner_name else acting_user
    if owner is None or owner.branch_id is None:
        errors.append(
            ("owner", owner_name, _("Unknown relationship manager, or not one you may assign to."))
        )
    clean["owner_id"] = owner.pk if owner else None
    if kind == CustomerKind.INDIVIDUAL:
        id_number = check("id_number", validate_resident_id) if values.get("id_number") else None
        if not values.get("id_number"):
            errors.append(("id_number", "", _("Individuals need a resident ID number.")))
        if id_number:
            clean["id_hash"] = crypto.lookup_hash(id_number)
            clean["id_encrypted"] = crypto.encrypt(id_number)
            clean["id_masked"] = mask_id_number(id_number)
            clean["birth_date"] = birth_date_from_resident_id(id_number).isoformat()
    elif kind == CustomerKind.INSTITUTION:
        uscc = check("uscc", validate_uscc) if values.get("uscc") else None
        if not values.get("uscc"):
            errors.append(("uscc", "", _("Institutions need a unified social credit code.")))
        clean["uscc"] = uscc
        itype = values.get("institution_type", "").strip() or InstitutionType.CORPORATE
        if itype not in InstitutionType.values:
            errors.append(("institution_type", itype, _("Unknown institution type.")))
        clean["institution_type"] = itype
        clean["legal_representative"] = values.get("legal_representative", "")[:100]
    return clean


def _present_keys(candidates: list[dict]) -> dict[str, set]:
    """Which numbers, ID hashes and credit codes already exist (three indexed look-ups)."""
    numbers = [c["number"] for c in candidates]
    hashes = [c["id_hash"] for c in candidates if c.get("id_hash")]
    usccs = [c["uscc"] for c in candidates if c.get("uscc")]
    return {
        "number": set(Customer.objects.filter(number__in=numbers).values_list("number", flat=True)),
        "id_hash": set(
            Customer.objects.filter(id_number_hash__in=hashes).values_list(
                "id_number_hash", flat=True
            )
        ),
        "uscc": set(Customer.objects.filter(uscc__in=usccs).values_list("uscc", flat=True)),
    }


def _is_present(clean: dict, present: dict[str, set]) -> bool:
    return any(clean.get(key) and clean[key] in present[key] for key in present)


def build_customers(valid_rows: list[dict], owners: dict) -> list[Customer]:
    """Unsaved customers for the rows not yet in the database (checked again at confirmation)."""
    present = _present_keys(valid_rows)
    out = []
    for row in valid_rows:
        owner = owners.get(row["owner_id"])
        if owner is None or _is_present(row, present):
            continue
        customer = Customer(
            number=row["number"],
            kind=row["kind"],
            name=row["name"],
            institution_type=row.get("institution_type", ""),
            uscc=row.get("uscc"),
            legal_representative=row.get("legal_representative", ""),
            mobile=crypto.decrypt(row.get("mobile_encrypted", "")),
            email=crypto.decrypt(row.get("email_encrypted", "")),
            owner=owner,
            branch_id=owner.branch_id,
            team_id=owner.team_id,
        )
        if row.get("id_hash"):
            customer.id_type = "resident_id"
            customer.id_number_encrypted = row["id_encrypted"]
            customer.id_number_hash = row["id_hash"]
            customer.id_number_masked = row["id_masked"]
            customer.birth_date = datetime.date.fromisoformat(row["birth_date"])
        customer.refresh_search_keys()
        out.append(customer)
    return out
