from crm.core.management.dated import DatedCommand
from customers.contacts import reminders, tasks


class Command(DatedCommand):
    help = "Run the daily follow-up sweep (cadence gaps, event triggers, reminders) by hand."
    day_help = "the sweep day, YYYY-MM-DD (default: today)"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--inline",
            action="store_true",
            help="send e-mail reminders in this process instead of queueing Celery tasks",
        )

    def handle_day(self, day, **options):
        send = tasks.queue_digest
        if options["inline"]:

            def send(user_id, d):
                try:
                    reminders.send_digest(user_id, d)
                except Exception as exc:  # recorded on the delivery rows; the next run retries
                    self.stderr.write(f"e-mail to user {user_id} failed: {exc}")

        result = reminders.run_sweep(day, send=send)
        t = result.tasks
        self.stdout.write(
            f"{result.day}: {t.total} tasks created (cadence {t.cadence}, maturity {t.maturity}, "
            f"risk assessment {t.kyc_renewal}, ID expiry {t.id_expiry}, birthday {t.birthday}); "
            f"{result.notifications} notifications, {result.emails_claimed} e-mail reminders "
            f"claimed for {result.email_recipients} recipients; {result.seconds:.2f}s"
        )
        if result.emails_unknown:
            self.stderr.write(
                f"{result.emails_unknown} e-mail reminders were interrupted mid-send and are "
                "marked unknown: check them in admin (reminder deliveries, status unknown)"
            )
