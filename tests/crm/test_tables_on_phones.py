"""Every table in the project's templates fits a phone (issue #20, item 3): it either turns into
cards below the md breakpoint (`table-cards`, each cell labelled from its column) or sits directly
in a `.table-responsive` box that scrolls sideways on its own. A table added without either would
push the whole page wider than the phone (the customer list was 814 px wide at 390 px)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [
    path
    for path in ROOT.glob("**/templates")
    if ".venv" not in path.parts and "node_modules" not in path.parts
]
TABLE = re.compile(r"<table\b[^>]*>")
WRAPPER = re.compile(r'<div class="table-responsive[^"]*">\s*$')
CARD_CELL = re.compile(r"<td\b[^>]*>")
INCLUDE = re.compile(r'{% include "([^"]+_rows\.html)"')


def _tables():
    for folder in TEMPLATE_DIRS:
        for template in folder.glob("**/*.html"):
            text = template.read_text(encoding="utf-8")
            for match in TABLE.finditer(text):
                yield template.relative_to(ROOT), text, match


def test_the_scan_finds_the_project_tables():
    assert len(list(_tables())) >= 40


def test_every_table_scrolls_in_its_box_or_becomes_cards():
    loose = [
        f"{path}: {match.group(0)}"
        for path, text, match in _tables()
        if "table-cards" not in match.group(0) and not WRAPPER.search(text[: match.start()])
    ]
    assert loose == []


def test_card_tables_label_their_data_cells():
    """A card row shows each value beside its column's name; only cells without a header (the
    checkbox, the row's actions, the 'none' and 'more' rows that span the table) go unlabelled."""
    cards = [(path, text, m) for path, text, m in _tables() if "table-cards" in m.group(0)]
    assert {str(path) for path, _text, _m in cards} == {
        "customers/templates/customers/list.html",
        "customers/templates/customers/followups/task_list.html",
        "compliance/templates/compliance/warning_detail.html",
    }
    for path, text, match in cards:
        table = text[match.start() : text.index("</table>", match.start())]
        rows = INCLUDE.search(table)  # the rows may live in a partial (shared with htmx pages)
        if rows:
            table = next(
                (folder / rows.group(1)).read_text(encoding="utf-8")
                for folder in TEMPLATE_DIRS
                if (folder / rows.group(1)).exists()
            )
        cells = CARD_CELL.findall(table)
        labelled = [c for c in cells if "data-label=" in c]
        unlabelled = [c for c in cells if "data-label=" not in c]
        assert len(labelled) >= 4, path
        assert all("colspan" in c or c == "<td>" for c in unlabelled), (path, unlabelled)
