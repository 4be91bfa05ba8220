"""python manage.py recalculate_tiers [--as-of YYYY-MM-DD] [--dry-run] [--force]"""

import datetime
import resource
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from tiering import selectors, services


class Command(BaseCommand):
    help = "Classify every active customer under the published tier policy (set-based)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="date of the run, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="compute into a what-if run and print the movement; change no customer",
        )
        parser.add_argument(
            "--force", action="store_true", help="recompute a run already applied for the date"
        )

    def handle(self, *args, as_of=None, dry_run=False, force=False, **options):
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(_("--as-of must be a date like 2026-11-30.")) from None
        policy = selectors.published_policy()
        if policy is None:
            raise CommandError(_("No tier policy is published."))
        began = time.monotonic()
        try:
            if dry_run:
                run = services.policy_what_if(policy, day)
            else:
                run = services.run_recalculate(day, policy=policy, force=force)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        elapsed = time.monotonic() - began
        self.stdout.write(
            f"{'what-if' if dry_run else 'live'} run {run.pk} as of {run.as_of} "
            f"(policy v{run.policy_version}, {run.get_status_display()}): "
            f"{run.customers} customers, A {run.count_a}, B {run.count_b}, C {run.count_c}, "
            f"{run.upgrades} up, {run.downgrades} down, {run.held_by_grace} held by grace, "
            f"{run.overridden} overridden, {run.customers_changed} customers changed "
            f"in {elapsed:.2f}s, peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        if dry_run:
            for (src, dst), n in sorted(selectors.movement_all(run).items()):
                if src != dst:
                    self.stdout.write(f"  {src or '—'} → {dst}: {n}")
