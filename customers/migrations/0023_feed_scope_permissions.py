"""API clients issued with `write:feeds` before the feed upload existed hold no permission for
it (the scope gave none then): give their service users what the scope gives now."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ("add_feedrun", "view_feedrun")


def grant(apps, schema_editor):
    # The feed-run permissions are created after migrations; make sure they exist first.
    # (A migration's app config has no models module; create_permissions skips such apps.)
    config = apps.get_app_config("customers")
    stub = not getattr(config, "models_module", None)
    if stub:
        config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    if stub:
        config.models_module = None
    ApiClient = apps.get_model("api", "ApiClient")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.filter(content_type__app_label="customers", codename__in=PERMISSIONS)
    )
    for client in ApiClient.objects.select_related("user"):
        if "write:feeds" in client.scopes:
            client.user.user_permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0022_document_title_search_indexes_postgres"),
        ("api", "0002_purge_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
