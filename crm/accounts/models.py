from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class Jurisdiction(models.TextChoices):
    """Where a branch is regulated: complaints it handles run on that jurisdiction's clocks."""

    CN = "CN", _("Mainland China")
    HK = "HK", _("Hong Kong")
    GB = "GB", _("United Kingdom")
    US = "US", _("United States")


class Branch(models.Model):
    """Head office → branch → sub-branch. `path` is a materialised path for subtree scoping."""

    class Level(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BRANCH = "branch", _("Branch")
        SUB_BRANCH = "sub_branch", _("Sub-branch")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, choices=Jurisdiction.choices, default=Jurisdiction.CN
    )

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="head_office", parent__isnull=True)
                | Q(~Q(level="head_office"), parent__isnull=False),
                name="branch_head_office_is_root",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path if self.parent else ''}{self.code}/"
        super().save(*args, **kwargs)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="teams"
    )
    lead = models.ForeignKey(
        "User",
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="team_unique_name")]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """Staff member. Roles are groups (see roles.py); scope follows branch and team."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    employee_no = models.CharField(
        _("employee number"), max_length=20, unique=True, null=True, blank=True
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # With directory sign-in on, only these users (and superusers) may use a local password,
    # and only while FIDUCIA_DIRECTORY["BREAK_GLASS"] allows it (crm/accounts/directory).
    break_glass = models.BooleanField(
        _("break-glass account"),
        default=False,
        help_text=_(
            "May sign in with a local password when directory sign-in is on (emergency access)."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        # From the per-user access cache (crm/accounts/access_cache.py): no query per request.
        # Code that changes the groups drops this property to reread them; the facts go too.
        from .access_cache import access_facts

        self.__dict__.pop("_access_facts", None)
        return access_facts(self).roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))
