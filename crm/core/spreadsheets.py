"""Tables as XLSX or CSV downloads: the import error reports and the approved exports."""

import csv
import io

from django.http import HttpResponse
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    csv.writer(out).writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


def table_xlsx(rows: list[list]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
