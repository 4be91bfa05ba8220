from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand

# Babel instead of GNU msgfmt: a fresh machine with only Python needs no gettext install.
SKIP = {".venv", "node_modules"}


def compile_catalogues(base: Path, *, only_stale: bool = False) -> int:
    """Compile every locale/*/LC_MESSAGES/*.po under `base` into .mo; returns how many."""
    count = 0
    for po_path in sorted(base.glob("**/locale/*/LC_MESSAGES/*.po")):
        if SKIP.intersection(po_path.relative_to(base).parts):
            continue
        mo_path = po_path.with_suffix(".mo")
        if only_stale and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        count += 1
    return count


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po (project and apps) into .mo files."

    def handle(self, *args, **options):
        count = compile_catalogues(Path(settings.BASE_DIR))
        self.stdout.write(f"compiled {count} catalogues")
