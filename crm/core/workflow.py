"""Status changes as data (django-oscar's pipeline + set_status shape), written once.

An app declares its transitions as a table of `Transition(source, target, permission,
required)` and builds one `Workflow` from it. `Workflow.apply()` is then the only way a status
changes: the caller hands it the row locked FOR UPDATE (its `access_<entity>(...,
for_write=True)`), and apply checks the move and the permission, runs the app's own effects,
saves, writes the app's history row and the audit row in the same transaction, and queues side
effects for after the commit. Complaints, prospects and lifecycles, risk warnings, statements and
handovers all use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.audit.services import record


class TransitionError(ValidationError):
    """The move is not possible from the current status (or someone else just changed it)."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str  # "app_label.codename" the acting user needs
    required: tuple[str, ...] = ()  # fields the move needs (the app's clean step checks them)
    label: Any = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


def transitions(
    sources: Iterable, target, permission: str, required: Iterable[str] = (), label=""
) -> tuple[Transition, ...]:
    """The same move from several statuses (e.g. withdraw from any open status)."""
    return tuple(
        Transition(str(s), str(target), permission, tuple(required), label) for s in sources
    )


@dataclass
class Workflow:
    """One table of transitions for one model's status field."""

    table: Iterable[Transition]
    audit_entity: str  # audit actions are "<audit_entity>.<target status>"
    status_field: str = "status"
    label_of: Callable[[str], Any] = str  # status -> human label, for messages
    # (current, target) -> the app's own message for a move the table lacks, or None for the
    # generic one ("This statement has already been sent." says more than "sent → reviewed").
    refusal: Callable[[str, str], Any] | None = None
    # The app's own wording (and translations) of the refusals, by kind: "changed" (someone
    # else moved it), "impossible" (no such move), "denied"; placeholders %(obj)s, %(state)s,
    # %(to)s. Kinds not given use the wording below.
    messages: dict[str, Any] = field(default_factory=dict)
    by_key: dict[tuple[str, str], Transition] = field(init=False)

    def __post_init__(self):
        self.table = tuple(self.table)
        self.by_key = {t.key: t for t in self.table}

    # ---- reads ---------------------------------------------------------------------------

    def may(self, user, spec: Transition) -> bool:
        # has_perm already says no to read-only users (crm.accounts.backends).
        return bool(user.is_active and user.has_perm(spec.permission))

    def allowed(self, user, obj) -> list[Transition]:
        """The moves this user may make from `obj`'s current status (for buttons)."""
        status = str(getattr(obj, self.status_field))
        return [t for t in self.table if t.source == status and self.may(user, t)]

    def targets_from(self, status) -> set[str]:
        return {t.target for t in self.table if t.source == str(status)}

    def sources_of(self, target) -> tuple[str, ...]:
        """The statuses `target` may be reached from: what a set-based mover (a sweep that
        changes many rows in one UPDATE) filters by, so it follows the same table."""
        return tuple(sorted({t.source for t in self.table if t.target == str(target)}))

    def audit_action(self, target) -> str:
        """The audit action of a move to `target` (set-based movers write the same one)."""
        return f"{self.audit_entity}.{target}"

    def action_labels(self, entity_label) -> dict[str, Any]:
        """{audit action: "Complaint: Accepted"} for every move of the table, for
        `crm.audit.labels.register_actions`."""
        targets = {t.target for t in self.table}
        label_of = lazy(self.label_of, str)  # registered at start-up, read in the user's language
        return {
            self.audit_action(t): format_lazy(
                gettext_lazy("{entity}: {event}"), entity=entity_label, event=label_of(t)
            )
            for t in targets
        }

    def spec(self, obj, target, *, acting_user=None, expected=None) -> Transition:
        """The transition from `obj`'s status to `target`, or TransitionError /
        PermissionDenied with a message for the user."""
        current = str(getattr(obj, self.status_field))
        if expected is not None and current != str(expected):
            raise TransitionError(
                self.messages.get(
                    "changed",
                    _(
                        "Someone else changed “%(obj)s” a moment ago: it is now “%(state)s”. "
                        "Nothing was changed; please look at it again."
                    ),
                )
                % {"obj": obj, "state": self.label_of(current)}
            )
        spec = self.by_key.get((current, str(target)))
        if spec is None and self.refusal is not None:
            message = self.refusal(current, str(target))
            if message:
                raise TransitionError(message)
        if spec is None:
            raise TransitionError(
                self.messages.get(
                    "impossible", _("“%(obj)s” is “%(state)s” and cannot move to “%(to)s”.")
                )
                % {
                    "obj": obj,
                    "state": self.label_of(current),
                    "to": self.label_of(str(target)),
                }
            )
        if acting_user is not None and not self.may(acting_user, spec):
            raise PermissionDenied(
                str(self.messages.get("denied", _("You are not allowed to do this.")))
            )
        return spec

    # ---- the one writer ------------------------------------------------------------------

    def apply(
        self,
        acting_user,
        obj,
        target,
        *,
        expected=None,
        effects: Callable[[Transition], None] | None = None,
        history: Callable[[Transition], None] | None = None,
        audited: Iterable[str] = (),
        purpose: str = "",
        audit_target=None,
        audit_after: dict | Callable[[], dict] | None = None,
    ) -> Transition:
        """Move `obj` (locked by the caller) to `target`.

        `effects(spec)` sets the other fields the move changes (deadlines, decisions) and may
        raise ValidationError; `history(spec)` writes the app's own history row; `audited`
        names fields whose before/after go into the audit row besides the status. Work for
        after the commit (Celery tasks) goes through `crm.core.outbox.enqueue` in the same
        transaction.
        `audit_target` is what the audit row is about when not `obj` (a lifecycle row is
        audited on its customer); `audit_after` adds values to the row's "after" (a dict, or
        a function called after the effects, for values they compute).
        """
        with transaction.atomic():
            spec = self.spec(obj, target, acting_user=acting_user, expected=expected)
            fields = (self.status_field, *audited)
            before = {f: _plain(getattr(obj, f)) for f in fields}
            if effects is not None:
                effects(spec)
            setattr(obj, self.status_field, spec.target)
            obj.save()
            if history is not None:
                history(spec)
            after = {f: _plain(getattr(obj, f)) for f in fields}
            if audit_after is not None:
                after.update(audit_after() if callable(audit_after) else audit_after)
            record(
                acting_user,
                self.audit_action(spec.target),
                obj if audit_target is None else audit_target,
                purpose=purpose,
                before=before,
                after=after,
            )
        return spec


def _plain(value):
    """A JSON-friendly form of a field value for the audit row."""
    if hasattr(value, "pk"):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
