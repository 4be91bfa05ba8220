from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm.accounts.demo import USERS, seed_organisation
from crm.accounts.roles import role_label
from crm.ui.registry import demo_seeders


class Command(BaseCommand):
    help = "Load demo branches, users (one per role) and realistic data for every screen."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=300, help="demo customers (default 300)"
        )
        parser.add_argument(
            "--force", action="store_true", help="allow seeding when DEBUG is false"
        )

    def handle(self, *args, customers, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG=false (a production database?). "
                "Use --force if you really mean it."
            )
        if customers < 0:
            raise CommandError("--customers must not be negative")
        self.stdout.write("Seeding demo data…")
        with transaction.atomic():
            users = seed_organisation(self.stdout)
        for seeder in demo_seeders():
            self.stdout.write(f"  {seeder.key}…")
            # Each part commits on its own so a large run shows progress and can be resumed.
            seeder.seed(stdout=self.stdout, customers=customers, users=users)
        password = settings.FIDUCIA["DEMO_PASSWORD"]
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with:"))
        for username, display, role, *_ in USERS:
            self.stdout.write(f"  {username:<12} {password}   {display} · {role_label(role)}")
