"""Drop the clear prospect contact once 0016 has encrypted it (a migration of its own: on
PostgreSQL the rows updated in 0016 must be committed before the table is altered)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0016_encrypt_prospect_contact")]

    operations = [migrations.RemoveField(model_name="prospect", name="contact")]
