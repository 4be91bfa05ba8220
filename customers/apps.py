from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from crm.accounts import roles

        everyone_reading = [
            "customers.view_customer",
            "customers.view_product",
            "customers.view_holding",
            "customers.view_contract",
            "customers.view_monthlyaggregate",
        ]
        for role in roles.ROLES:
            roles.grant(role, everyone_reading)
        writers = [
            "customers.add_customer",
            "customers.change_customer",
            "customers.add_institutioncontact",
            "customers.change_institutioncontact",
            "customers.add_riskassessment",
            "customers.reveal_pii",
            "customers.export_customers",
            "customers.import_customers",
        ]
        for role in (roles.RELATIONSHIP_MANAGER, roles.TEAM_LEAD, roles.BRANCH_HEAD):
            roles.grant(role, writers)
        for role in (roles.TEAM_LEAD, roles.BRANCH_HEAD):
            roles.grant(role, ["customers.reassign_customer", "customers.approve_pii_export"])
        roles.grant(
            roles.COMPLIANCE_OFFICER,
            [
                "customers.reveal_pii",
                "customers.export_customers",
                "customers.approve_pii_export",
            ],
        )
        roles.grant(
            roles.ADMINISTRATOR,
            writers
            + [
                "customers.reassign_customer",
                "customers.add_product",
                "customers.change_product",
                "customers.add_holding",
                "customers.change_holding",
                "customers.add_contract",
                "customers.change_contract",
            ],
        )

        from crm.ui.registry import NavItem, register_nav

        register_nav(
            NavItem("customers", _("Customers"), "customers:customer-list", icon="people", order=10)
        )

        from crm.core.downloads import register_download
        from customers.records.transfers import PII_EXPORT

        register_download(PII_EXPORT)

        from crm.ui.registry import DemoSeeder, register_demo
        from customers.records.demo import seed_customers

        register_demo(DemoSeeder("customers", seed_customers, order=10))

        from customers.records.metrics import register_metrics

        register_metrics()

        from customers.sales.registration import ready as sales_ready

        sales_ready()

        from customers.contacts.registration import setup as setup_followups

        setup_followups()
