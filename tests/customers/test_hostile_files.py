"""Hostile upload files (issue 15, item 10): the XLSX reader checks its limits while reading, so
a zip bomb or a million-row sheet is refused within a second and without memory to speak of,
with a clear message, and nothing is staged. CSV in GB18030 and with a BOM keeps working.

Each test builds its hostile file itself."""

import csv
import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from crm.audit.models import AuditEntry
from customers.records.models import Customer, CustomerImport
from customers.records.transfers import customer_import_stage
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
TAIL = b"</sheetData></worksheet>"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _template() -> dict[str, bytes]:
    """The members of a small valid workbook (one cell), to put a hostile sheet into."""
    book = Workbook()
    book.active.append(["number", "kind", "name", "uscc"])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from already deflated members (name, deflated, crc, size): how a
    bomb is built without compressing a gigabyte in the test."""
    out = io.BytesIO()
    central = []
    for name, deflated, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc,
                              len(deflated), size, len(encoded), 0))  # fmt: skip
        out.write(encoded)
        out.write(deflated)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0,
                crc,
                len(deflated),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )  # fmt: skip
            + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))  # fmt: skip
    return out.getvalue()


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _xlsx(sheet_xml: bytes) -> bytes:
    members = _template()
    members[SHEET] = sheet_xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused(user, data: bytes, name="hostile.xlsx") -> tuple[str, float, int]:
    """Stage the file; the refusal's message, the seconds it took, and the peak memory (Python
    allocations, measured in a second attempt: tracing slows the reading down)."""
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        customer_import_stage(user, SimpleUploadedFile(name, data))
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError):
            customer_import_stage(user, SimpleUploadedFile(name, data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not CustomerImport.objects.exists()  # nothing staged
    assert not AuditEntry.objects.filter(action__startswith="customer_import").exists()
    return " ".join(caught.value.message_dict["file"]), seconds, peak


def test_a_zip_bomb_that_expands_to_a_gigabyte_is_refused_at_once(rm_a):
    chunk = b"A" * 2**20  # the cell text: 1 GiB of "A", deflated once and repeated
    before = HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    after = b"</t></is></c></row>" + TAIL
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(before) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)  # independent of what came before
    tail = c.compress(after) + c.flush()
    crc = zlib.crc32(before)
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(after, crc)
    size = len(before) + 1024 * len(chunk) + len(after)
    members = [(n, *_deflate(d)) for n, d in _template().items() if n != SHEET]
    data = _raw_zip([*members, (SHEET, head + block * 1024 + tail, crc, size)])
    assert len(data) < 2 * 2**20 and size > 2**30  # ~1 MB that expands to a gigabyte

    message, seconds, peak = _refused(rm_a, data)

    assert "expands to more than 128 MB or is compressed suspiciously well" in message
    assert seconds < 5 and peak < 100 * 2**20


def test_a_small_file_with_a_million_rows_is_refused_at_once(rm_a):
    rows = b"<row><c><v>1</v></c></row>" * 1000
    data = _xlsx(HEAD + rows * 1000 + TAIL)
    assert len(data) < 200 * 1024  # a million rows in a file of some 100 KB

    message, seconds, peak = _refused(rm_a, data)

    assert "compressed suspiciously well" in message
    assert seconds < 5 and peak < 100 * 2**20


def test_rows_are_counted_while_reading_even_when_the_file_compresses_normally(rm_a, settings):
    settings.FIDUCIA_IMPORTS = {**settings.FIDUCIA_IMPORTS, "MAX_COMPRESSION_RATIO": 10**6}
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % i for i in range(1_000_000))
    data = _xlsx(HEAD + rows + TAIL)

    message, seconds, peak = _refused(rm_a, data)

    assert message == "The file has more than 20000 rows; please split it."
    assert seconds < 5 and peak < 100 * 2**20


def test_a_row_number_beyond_the_limit_is_refused(rm_a):
    data = _xlsx(HEAD + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>' + TAIL)
    assert _refused(rm_a, data)[0] == "The file has more than 20000 rows; please split it."


def test_a_cell_far_to_the_right_is_refused(rm_a):
    data = _xlsx(HEAD + b'<row r="1"><c r="XFD1"><v>1</v></c></row>' + TAIL)
    assert _refused(rm_a, data)[0] == "The file has more than 100 columns."


def test_a_huge_cell_is_refused(rm_a):
    cell = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"x" * 6000 + b"</t></is></c></row>"
    assert _refused(rm_a, _xlsx(HEAD + cell + TAIL))[0] == (
        "A cell holds more than 5000 characters."
    )


def test_a_huge_shared_string_table_is_refused(rm_a, settings):
    settings.FIDUCIA_IMPORTS = {**settings.FIDUCIA_IMPORTS, "MAX_SHARED_STRINGS_BYTES": 2**20}
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = b"".join(b"<si><t>%s</t></si>" % (b"%08d" % i * 80) for i in range(2_000))
    members = _template()
    members["xl/sharedStrings.xml"] = b'<sst xmlns="%s">%s</sst>' % (main, strings)
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    members[SHEET] = HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + TAIL
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    message = _refused(rm_a, out.getvalue())[0]
    assert message == "The workbook's text table is larger than 1 MB; please split the file."


def test_csv_limits_are_checked_while_reading(rm_a):
    many = "number,kind,name\n" + "S1,institution,x\n" * 20_001
    assert _refused(rm_a, many.encode(), "many.csv")[0] == (
        "The file has more than 20000 rows; please split it."
    )
    wide = ",".join(["x"] * 101) + "\n"
    assert _refused(rm_a, wide.encode(), "wide.csv")[0] == "The file has more than 100 columns."
    huge = "number,kind,name\nS1,institution," + "x" * 200_000 + "\n"
    assert _refused(rm_a, huge.encode(), "huge.csv")[0] == (
        "A cell holds more than 5000 characters."
    )


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_with_a_bom_keeps_working(rm_a, encoding):
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["客户号", "类型", "名称", "统一社会信用代码"],
            ["S0001", "机构", "华信信托有限公司", make_uscc(3)],
        ]
    )
    staged = customer_import_stage(
        rm_a, SimpleUploadedFile("c.csv", out.getvalue().encode(encoding))
    )
    assert staged.errors == [] and [r["name"] for r in staged.valid_rows] == ["华信信托有限公司"]
    assert not Customer.objects.exists()  # staged, not written


def test_an_ordinary_xlsx_still_reads(rm_a):
    book = Workbook()
    book.active.append(["number", "kind", "name", "uscc"])
    book.active.append(["S0001", "institution", "华信信托有限公司", make_uscc(3)])
    out = io.BytesIO()
    book.save(out)
    staged = customer_import_stage(rm_a, SimpleUploadedFile("c.xlsx", out.getvalue()))
    assert staged.errors == [] and [r["number"] for r in staged.valid_rows] == ["S0001"]
