"""Tables as XLSX or CSV downloads: the import error reports, the approved exports and every
other workbook Fiducia writes.

Nothing Fiducia writes may be read back by a spreadsheet program as a formula (issue 15,
"formula injection"): text that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is
written to XLSX as a string cell (with Excel's quote prefix, so editing the cell keeps it text)
and to CSV with a leading `'`. Every writer builds its workbook with `new_workbook()`, appends
rows with `append_row()` and serialises with `workbook_bytes()`;
tests/crm/test_spreadsheets.py fails for a module that imports openpyxl's Workbook itself.
"""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What makes a spreadsheet program read a text cell as a formula (or run DDE).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_value(value):
    """A CSV field that a spreadsheet program shows as the text it is (`'=1+1`)."""
    return "'" + value if looks_like_formula(value) else value


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    cell.quotePrefix = True
    return cell


def append_row(sheet, values) -> None:
    """Append a row to a worksheet (normal or write-only); formula-like text stays text."""
    sheet.append([_text_cell(sheet, v) if looks_like_formula(v) else v for v in values])


def new_workbook(*, write_only: bool = False) -> Workbook:
    return Workbook(write_only=write_only)


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as XLSX bytes. A normal (not write-only) workbook is swept first, so a cell
    set without `append_row` (`sheet["A1"] = …`) cannot leave as a formula either."""
    if not book.write_only:
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or looks_like_formula(cell.value):
                        cell.data_type = "s"
                        cell.quotePrefix = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def table_response(rows: list[list], stem: str, *, as_csv: bool = False) -> HttpResponse:
    """A table (header first) as an XLSX or CSV download."""
    if not as_csv:
        return xlsx_response(table_xlsx(rows), f"{stem}.xlsx")
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly with a BOM
    csv.writer(out).writerows([csv_value(v) for v in row] for row in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def table_xlsx(rows: list[list]) -> bytes:
    book = new_workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        append_row(sheet, row)
    return workbook_bytes(book)
