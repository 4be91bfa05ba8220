"""Drop the clear mobile and e-mail columns once 0014 has encrypted them (a migration of its
own: on PostgreSQL the rows updated in 0014 must be committed before the table is altered)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0014_encrypt_mobile_email")]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="cust_mobile_last4",
        ),
        migrations.RemoveField(
            model_name="customer",
            name="email",
        ),
        migrations.RemoveField(
            model_name="customer",
            name="mobile",
        ),
        migrations.RemoveField(
            model_name="customer",
            name="mobile_last4",
        ),
        migrations.RemoveField(
            model_name="institutioncontact",
            name="email",
        ),
        migrations.RemoveField(
            model_name="institutioncontact",
            name="mobile",
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["mobile_last4_hash"], name="cust_mobile_last4_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["mobile_hash"], name="cust_mobile_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["email_hash"], name="cust_email_hash"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["uscc_hash"], name="cust_uscc_hash"),
        ),
    ]
