import datetime

from django.core.management.base import BaseCommand

from customers.sales.services.dormancy import customers_detect_dormant


class Command(BaseCommand):
    help = "Mark customers without contact and transactions as dormant and schedule reactivation calls."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, months=None, today=None, **options):
        customers_detect_dormant(today=today, months=months, stdout=self.stdout)
