from django.db import migrations

ROLES = [
    "relationship_manager", "team_lead", "branch_head", "compliance_officer", "risk_officer",
    "auditor", "administrator",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    """The roles of DESIGN §1 as groups; their permissions are synced after every migrate
    (crm.accounts.roles.sync_role_permissions), as permissions only exist then."""

    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
