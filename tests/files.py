"""Checks on the files Fiducia writes (issue 15, item 1: no formula leaves through a file)."""

import io
import zipfile

from openpyxl import load_workbook

# What a spreadsheet program reads as a formula; "\n" because XML reads a written "\r" as "\n".
READ_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def xlsx_text_cells(data: bytes) -> dict[str, str]:
    """{value: data type} of every text cell that begins like a formula, after asserting that
    no sheet of the workbook holds a formula at all."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    found = {}
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(READ_PREFIXES):
                    found[cell.value] = cell.data_type
    assert set(found.values()) <= {"s"}, found
    return found
