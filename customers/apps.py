from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from crm.accounts import roles

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
        roles.grant_table(
            {
                roles.EVERYONE: [
                    "customers.view_customer",
                    "customers.view_product",
                    "customers.view_holding",
                    "customers.view_contract",
                    "customers.view_monthlyaggregate",
                ],
                roles.BOOK_HOLDERS: writers,
                roles.LEADS: ["customers.reassign_customer", "customers.approve_pii_export"],
                roles.COMPLIANCE_OFFICER: [
                    "customers.reveal_pii",
                    "customers.export_customers",
                    "customers.approve_pii_export",
                ],
                roles.ADMINISTRATOR: [
                    *writers,
                    "customers.reassign_customer",
                    "customers.add_product",
                    "customers.change_product",
                    "customers.add_holding",
                    "customers.change_holding",
                    "customers.add_contract",
                    "customers.change_contract",
                ],
            }
        )

        from crm.core.texts import register_texts
        from customers.records.texts import TEXTS as RECORDS_TEXTS

        register_texts(*RECORDS_TEXTS)

        from crm.audit.labels import register_actions
        from customers.contacts import audit_labels as contacts_audit
        from customers.records import audit_labels as records_audit
        from customers.sales import audit_labels as sales_audit

        register_actions(
            {**records_audit.ACTIONS, **contacts_audit.ACTIONS, **sales_audit.actions()}
        )

        from crm.core.downloads import register_download
        from crm.core.recent import register_recent
        from crm.ui.registry import DemoSeeder, NavItem, Panel, Shortcut, register
        from customers.records.demo import seed_customers
        from customers.records.recent import KIND as RECENT_CUSTOMER
        from customers.records.search import PROVIDERS as SEARCH
        from customers.records.timeline import SOURCES as TIMELINE
        from customers.records.transfers import PII_EXPORT

        register_download(PII_EXPORT)
        register_recent(RECENT_CUSTOMER)
        register(
            *TIMELINE,
            *SEARCH,
            # The customer's story from every app in one list (crm.ui.timeline).
            Panel(
                "customer_360",
                "timeline",
                _("Timeline: all activity"),
                "customers:customer-timeline",
                order=8,
                width=12,
            ),
            NavItem(
                "customers", _("Customers"), "customers:customer-list", icon="people", order=10
            ),
            DemoSeeder("customers", seed_customers, order=10),
            Shortcut("g c", _("Go to customers"), url_name="customers:customer-list", order=20),
        )

        from crm.ui.bulk import register_bulk
        from crm.ui.lists import register_list
        from customers.records.lists import CUSTOMER_ACTIONS, CUSTOMER_LIST

        register_list(CUSTOMER_LIST)
        register_bulk(*CUSTOMER_ACTIONS)

        from customers.records.metrics import register_metrics

        register_metrics()

        from customers.sales.registration import ready as sales_ready

        sales_ready()

        from customers.records.feeds.registration import setup as setup_feeds

        setup_feeds()

        from customers.contacts.registration import setup as setup_followups

        setup_followups()
