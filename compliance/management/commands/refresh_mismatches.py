from django.core.management.base import BaseCommand

from compliance.services.suitability import mismatch_snapshot_refresh


class Command(BaseCommand):
    help = "Rebuild the suitability-mismatch snapshot counted by the compliance dashboard."

    def handle(self, *args, **options):
        run = mismatch_snapshot_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.holdings} mismatched holdings of {run.customers} customers "
                f"as of {run.refreshed_at:%Y-%m-%d %H:%M:%S}"
            )
        )
