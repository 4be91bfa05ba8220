"""Migrate the provider's database and create its users and Fiducia's client registration.
Run as `python -m tests.oidc_provider.seed` with the provider's environment."""

import json
import os

import django


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    seed = json.loads(os.environ["PROVIDER_SEED"])
    for username, password in seed["users"].items():
        user = User(username=username, email=f"{username}@bank.example", first_name="Min")
        user.last_name = "Liu"
        user.set_password(password)
        user.save()
    Application.objects.create(
        name="Fiducia",
        client_id=seed["client_id"],
        client_secret=seed["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=seed["redirect_uri"],
        skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM,
    )


if __name__ == "__main__":
    main()
