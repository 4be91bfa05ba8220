"""Customer records (DESIGN §5.1): the customer, KYC, holdings, contracts, monthly aggregates."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm import crypto
from crm.core.models import optional_user, status_field
from crm.identifiers import ACCOUNT, MOBILE, normalise, protected
from crm.ui.formatting import mask_account, mask_email, mask_id_number, mask_phone

from ..search_keys import pinyin_keys


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    INSTITUTION = "institution", _("Institution")


class InstitutionType(models.TextChoices):
    TRUST = "trust", _("Trust company")
    FUND = "fund", _("Fund company")
    INSURANCE = "insurance", _("Insurance company")
    CORPORATE = "corporate", _("Corporate")
    OTHER_FI = "other_fi", _("Other financial institution")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    A = "A", _("Class A")
    B = "B", _("Class B")
    C = "C", _("Class C")


class VipLevel(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    GOLD = "gold", _("Gold")
    PLATINUM = "platinum", _("Platinum")
    DIAMOND = "diamond", _("Diamond")
    PRIVATE = "private", _("Private banking")


class CapitalSegment(models.TextChoices):
    """The capital-based segments institutions used before value tiering (seeds/001)."""

    LARGE = "large", _("Large account (大户)")
    MEDIUM = "medium", _("Medium account (中户)")
    SMALL = "small", _("Small account (散户)")
    INSTITUTION = "institution", _("Institution (机构)")


class RiskClass(models.TextChoices):
    C1 = "C1", _("C1 Conservative")
    C2 = "C2", _("C2 Cautious")
    C3 = "C3", _("C3 Balanced")
    C4 = "C4", _("C4 Growth")
    C5 = "C5", _("C5 Aggressive")


class RiskLevel(models.TextChoices):
    R1 = "R1", _("R1 Low")
    R2 = "R2", _("R2 Medium-low")
    R3 = "R3", _("R3 Medium")
    R4 = "R4", _("R4 Medium-high")
    R5 = "R5", _("R5 High")


def _mobile_hashes(value: str) -> dict:
    """Keyed hashes of a mobile's national number and of its last four digits (search keys)."""
    national = normalise(MOBILE, value)
    return {
        "hash": crypto.lookup_hash(national) if national else None,
        "last4_hash": crypto.lookup_hash(national[-4:]) if len(national) >= 4 else "",
    }


def account_hash(value: str) -> str:
    """Keyed hash of an account number's digits ("" for none): the feeds' matching key."""
    digits = normalise(ACCOUNT, value or "")
    return crypto.lookup_hash(digits) if digits else ""


class Customer(models.Model):
    number = models.CharField(_("customer number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=CustomerKind.choices)
    institution_type = models.CharField(
        _("institution type"), max_length=12, choices=InstitutionType.choices, blank=True
    )
    name = models.CharField(_("name"), max_length=200)
    # Search keys for Chinese names: full pinyin ("zhangwei") and initials ("zw").
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)

    # Individuals. The ID number is stored encrypted; the HMAC is for exact look-up and
    # uniqueness; the masked form is what lists show without decrypting.
    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices, blank=True)
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=32, blank=True, editable=False)
    id_expires_on = models.DateField(_("ID document expires on"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=1, blank=True, choices=[("M", _("Male")), ("F", _("Female"))]
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    # Mobile and e-mail like the ID number: encrypted, keyed hashes for exact look-up (and the
    # mobile's last 4 digits), masked forms for lists. Read and written through the `mobile`
    # and `email` properties below.
    mobile_encrypted = models.TextField(blank=True, editable=False)
    mobile_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    mobile_last4_hash = models.CharField(max_length=64, blank=True, editable=False)
    mobile_masked = models.CharField(_("mobile"), max_length=24, blank=True, editable=False)
    email_encrypted = models.TextField(blank=True, editable=False)
    email_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    email_masked = models.CharField(_("e-mail"), max_length=260, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)

    # Institutions.
    uscc = models.CharField(_("unified social credit code"), max_length=18, null=True, blank=True)
    # So that a search by credit code runs on a keyed-hash token (crm.identifiers), never on
    # the code in a URL.
    uscc_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)

    # Ownership; branch and team follow the owner (denormalised for scoped queries at 1M rows).
    # No single-column index of their own: cust_owner_number, cust_team_number and
    # cust_branch_number lead with them. Each index more is written for every customer row that
    # changes an indexed column (a tiering run that reclassifies many customers pays it per row).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
        db_index=False,
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,
    )
    co_servers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CustomerCoServer",
        related_name="co_served_customers",
        verbose_name=_("co-servers"),
        blank=True,
    )

    # Written only by customers.records.services.customers_classify (called by tiering). On the
    # customer row, indexed with the list's sort keys, on purpose: a narrow 1:1 table was
    # measured (1M customers) and made a run that reclassifies 450k customers 2x faster, but
    # "gold customers, largest AUM first" for the whole bank took 4.4 s instead of milliseconds,
    # because VIP level follows AUM and no index can span two tables. Runs mostly change few
    # customers; the list is used all day.
    tier = models.CharField(_("value class"), max_length=1, choices=Tier.choices, blank=True)
    vip_level = models.CharField(
        _("VIP level"), max_length=10, choices=VipLevel.choices, default=VipLevel.ORDINARY
    )
    capital_segment = models.CharField(
        _("capital segment"), max_length=12, choices=CapitalSegment.choices, blank=True
    )
    # Current risk tolerance (latest assessment), denormalised for lists and suitability.
    risk_class = models.CharField(
        _("risk class"), max_length=2, choices=RiskClass.choices, blank=True
    )
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    aum = models.DecimalField(_("AUM"), max_digits=18, decimal_places=2, default=0)

    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("reveal_pii", _("Can reveal personal information (audited)")),
            ("export_customers", _("Can export customer lists")),
            ("approve_pii_export", _("Can approve exports of personal information")),
            ("import_customers", _("Can import customers")),
            ("reassign_customer", _("Can reassign customers")),
        ]
        indexes = [
            models.Index(fields=["owner", "number"], name="cust_owner_number"),
            models.Index(fields=["team", "number"], name="cust_team_number"),
            models.Index(fields=["branch", "number"], name="cust_branch_number"),
            models.Index(fields=["tier", "number"], name="cust_tier_number"),
            models.Index(fields=["vip_level", "number"], name="cust_vip_number"),
            models.Index(fields=["risk_class"], name="cust_risk_class"),
            models.Index(fields=["risk_assessed_on"], name="cust_risk_assessed"),
            models.Index(fields=["name_initials"], name="cust_initials"),
            models.Index(fields=["name_pinyin"], name="cust_pinyin"),
            models.Index(fields=["mobile_last4_hash"], name="cust_mobile_last4_hash"),
            models.Index(fields=["mobile_hash"], name="cust_mobile_hash"),
            models.Index(fields=["email_hash"], name="cust_email_hash"),
            models.Index(fields=["uscc_hash"], name="cust_uscc_hash"),
            models.Index(fields=["birth_date"], name="cust_birth_date"),
            models.Index(fields=["id_expires_on"], name="cust_id_expiry"),
            # Sort keys of the customer list (keyset pagination ends with the primary key).
            models.Index(fields=["aum", "id"], name="cust_aum_id"),
            models.Index(fields=["name", "id"], name="cust_name_id"),
            models.Index(fields=["vip_level", "aum", "id"], name="cust_vip_aum_id"),
            # The integration API's incremental sync: updated_since and keyset pages.
            models.Index(fields=["updated_at", "id"], name="cust_updated_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                name="cust_unique_id_number",
                condition=Q(id_number_hash__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["uscc"], name="cust_unique_uscc", condition=Q(uscc__isnull=False)
            ),
            models.CheckConstraint(
                condition=Q(kind="individual", uscc__isnull=True, institution_type="")
                | Q(kind="institution", id_number_hash__isnull=True),
                name="cust_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(tier__in=["", "A", "B", "C"]), name="cust_tier_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.number})"

    def save(self, *args, **kwargs):
        self.refresh_search_keys()
        super().save(*args, **kwargs)

    @property
    def is_institution(self) -> bool:
        return self.kind == CustomerKind.INSTITUTION

    def refresh_search_keys(self) -> None:
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)
        self.uscc_hash = crypto.lookup_hash(self.uscc) if self.uscc else None

    # Clear only when read (a reveal, an approved export, a statement); looked up by keyed hash.
    mobile = protected(mask_phone, hashes=_mobile_hashes)
    email = protected(
        mask_email,
        hashes=lambda value: {"hash": crypto.lookup_hash(value.lower()) if value else None},
    )

    def set_id_number(self, value: str) -> None:
        """Store an ID number encrypted, with its keyed hash and masked form (not saved yet)."""
        value = (value or "").strip().upper()
        self.id_number_encrypted = crypto.encrypt(value)
        self.id_number_hash = crypto.lookup_hash(value) if value else None
        self.id_number_masked = mask_id_number(value)

    def decrypted_id_number(self) -> str:
        """Only for an audited reveal (customers.records.services.reveal_pii)."""
        return crypto.decrypt(self.id_number_encrypted)


class BookCopy(models.Model):
    """A customer's owner, team and branch copied onto a derived row (a snapshot, a report
    cell), so that a user's book (book_filter) filters that table directly. The copies are
    replaced on each rebuild: no foreign-key constraint, so deleting a user, team or branch is
    not blocked by a derived row."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class CustomerCoServer(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="co_server_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-server")
        verbose_name_plural = _("co-servers")
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="coserver_unique"),
        ]
        indexes = [models.Index(fields=["user", "customer"], name="coserver_user")]

    def __str__(self):
        return f"{self.user} → {self.customer}"


class InstitutionContact(models.Model):
    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_rep", _("Legal representative")
        DECISION_MAKER = "decision_maker", _("Decision maker")
        FINANCE = "finance", _("Finance")
        OPERATIONS = "operations", _("Operations")
        AUTHORISED_AGENT = "agent", _("Authorised agent")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    # Encrypted like the customer's own (no look-up hash: nobody searches by them).
    mobile_encrypted = models.TextField(blank=True, editable=False)
    mobile_masked = models.CharField(_("mobile"), max_length=24, blank=True, editable=False)
    email_encrypted = models.TextField(blank=True, editable=False)
    email_masked = models.CharField(_("e-mail"), max_length=260, blank=True, editable=False)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="contact_one_primary"
            )
        ]

    def __str__(self):
        return self.name

    mobile = protected(mask_phone)
    email = protected(mask_email)


class KYCProfile(models.Model):
    """Know-your-customer facts and needs (DESIGN §5.1)."""

    class Horizon(models.TextChoices):
        SHORT = "short", _("Under 1 year")
        MEDIUM = "medium", _("1–3 years")
        LONG = "long", _("Over 3 years")

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="kyc")
    financial_status = models.TextField(_("financial status"), blank=True)
    annual_income = models.DecimalField(
        _("average annual income (last 3 years)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    financial_assets = models.DecimalField(
        _("financial assets"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    net_household_financial_assets = models.DecimalField(
        _("household net financial assets"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
    )
    investment_experience_years = models.PositiveSmallIntegerField(
        _("investment experience (years)"), null=True, blank=True
    )
    investment_preference = models.CharField(_("investment preference"), max_length=200, blank=True)
    investment_horizon = models.CharField(
        _("investment horizon"), max_length=10, choices=Horizon.choices, blank=True
    )
    needs = models.TextField(_("needs and preferences"), blank=True)
    is_qualified_investor = models.BooleanField(_("qualified investor"), default=False)
    qualified_evidence = models.TextField(_("qualified-investor evidence"), blank=True)
    qualified_verified_on = models.DateField(_("qualification verified on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("KYC profile")
        verbose_name_plural = _("KYC profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_qualified_investor=False) | ~Q(qualified_evidence=""),
                name="kyc_qualified_needs_evidence",
            )
        ]

    def __str__(self):
        return f"KYC {self.customer}"


class RiskAssessment(models.Model):
    """One risk-tolerance questionnaire result; the latest sets Customer.risk_class."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="risk_assessments"
    )
    risk_class = models.CharField(_("risk class"), max_length=2, choices=RiskClass.choices)
    score = models.PositiveSmallIntegerField(
        pgettext_lazy("risk assessment", "score"), null=True, blank=True
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    valid_until = models.DateField(_("valid until"))
    assessed_by = optional_user(on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_at"]
        indexes = [models.Index(fields=["customer", "-assessed_at"], name="riskassess_customer")]

    def __str__(self):
        return f"{self.customer} {self.risk_class} {self.assessed_at:%Y-%m-%d}"


class Product(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        WEALTH = "wealth", _("Wealth management")
        FUND = "fund", _("Fund")
        TRUST = "trust", _("Trust plan")
        INSURANCE = "insurance", _("Insurance")
        BOND = "bond", _("Bond")
        EQUITY = "equity", _("Equity")
        CUSTODY = "custody", _("Custody service")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices)
    requires_qualified_investor = models.BooleanField(_("qualified investors only"), default=False)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.get_risk_level_display()})"


class Holding(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holdings")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="holdings")
    # The account number like the customer's identifiers (financial accounts are sensitive
    # personal information under PIPL): encrypted, a keyed hash for exact matching, a masked copy.
    account_number_encrypted = models.TextField(blank=True, editable=False)
    account_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    account_number_masked = models.CharField(
        _("account number"), max_length=40, blank=True, editable=False
    )
    market_value = models.DecimalField(_("market value"), max_digits=18, decimal_places=2)
    as_of = models.DateField(pgettext_lazy("valuation", "as of"))

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(fields=["customer", "product"], name="holding_unique"),
            models.CheckConstraint(condition=Q(market_value__gte=0), name="holding_nonnegative"),
        ]

    def __str__(self):
        return f"{self.customer} · {self.product}"

    account_number = protected(mask_account, hashes=lambda value: {"hash": account_hash(value)})


class Contract(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MATURED = "matured", _("Matured")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contracts")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("starts on"))
    matures_on = models.DateField(_("matures on"), null=True, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    status = status_field(Status.ACTIVE, max_length=12)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(
                fields=["matures_on"], name="contract_maturity", condition=Q(status="active")
            ),
            models.Index(fields=["customer", "matures_on"], name="contract_customer_maturity"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(matures_on__isnull=True) | Q(matures_on__gte=F("starts_on")),
                name="contract_maturity_after_start",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.number})"


class MonthlyAggregate(models.Model):
    """Per customer per month; tiering reads these, never raw transactions."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="aggregates")
    month = models.DateField(_("month"))  # first day of the month
    average_balance = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    margin_balance = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    deposit_spread = models.DecimalField(max_digits=8, decimal_places=6, default=0)
    trade_count = models.PositiveIntegerField(default=0)
    trade_volume = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    commission = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    commission_rate = models.DecimalField(max_digits=8, decimal_places=6, default=0)
    rebate = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    fee_income = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    net_interest_income = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("monthly aggregate")
        verbose_name_plural = _("monthly aggregates")
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="aggregate_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="aggregate_month_first_day"),
        ]
        indexes = [models.Index(fields=["month", "customer"], name="aggregate_month")]

    def __str__(self):
        return f"{self.customer} {self.month:%Y-%m}"


class CustomerDocument(models.Model):
    class Kind(models.TextChoices):
        ID_COPY = "id_copy", _("ID copy")
        LICENCE = "licence", _("Business licence")
        CONTRACT = "contract", _("Signed contract")
        RISK_QUESTIONNAIRE = "risk_q", _("Risk questionnaire")
        QUALIFICATION = "qualification", _("Qualified-investor evidence")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="customer-documents/%Y/%m/", blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title
