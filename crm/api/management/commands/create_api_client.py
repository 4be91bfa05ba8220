"""`python manage.py create_api_client NAME --scopes read:customers write:interactions
[--expires-in-days N] [--branch CODE] [--rate N]`: prints the token once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm.accounts.models import Branch
from crm.api import scopes
from crm.api.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client (a service account) and print its token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scopes", nargs="+", required=True, help=", ".join(scopes.SCOPES))
        parser.add_argument("--expires-in-days", type=int, default=None)
        parser.add_argument("--branch", default="", help="Branch code to restrict the client to")
        parser.add_argument("--rate", type=int, default=0, help="Requests per minute")

    def handle(self, *args, name, scopes, expires_in_days, branch, rate, **options):
        # Scopes may be given space- or comma-separated.
        wanted = [s for item in scopes for s in item.split(",") if s]
        found = None
        if branch:
            found = Branch.objects.filter(code=branch).first()
            if found is None:
                raise CommandError(f"Unknown branch code {branch!r}.")
        try:
            client, token = api_client_create(
                None,
                name=name,
                scopes=wanted,
                expires_in_days=expires_in_days,
                branch=found,
                rate_per_minute=rate,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        expiry = client.expires_at.isoformat() if client.expires_at else "never"
        self.stdout.write(f"API client {client.name!r} created; expires {expiry}.")
        self.stdout.write("Token (shown once, store it in the client's secret store now):")
        self.stdout.write(token)
