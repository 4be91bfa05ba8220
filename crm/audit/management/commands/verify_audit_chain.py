from django.core.management.base import BaseCommand

from crm.audit import chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain; exit 1 at the first tampered, missing or unsealed "
        "row, naming it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, chunk_size, **options):
        result = chain.verify(chunk_size=max(1, chunk_size))
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"audit chain intact: {result.checked} rows, last row {result.last_id}, "
                    f"last hash {result.last_hash or '-'}"
                )
            )
            return
        why = {
            "tampered": "its fields do not match its hash (changed after it was written)",
            "missing": "its prev_hash is not the previous row's hash (a row before it was "
            "removed, or rows were reordered)",
            "unsealed": "it carries no hash (written past the chain)",
        }[result.problem]
        self.stderr.write(
            f"audit chain broken at row {result.bad_id}: {result.problem}: {why}; "
            f"{result.checked} rows before it verify (previous row {result.previous_id or '-'})"
        )
        raise SystemExit(1)
