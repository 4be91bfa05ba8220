"""Reading a feed file from the feeds storage as a stream of rows, without holding it in
memory: the encoding is found in one pass over the bytes (UTF-8 with or without BOM, else
GB18030, the superset of GBK), then a csv reader walks a decoded text stream."""

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.utils.translation import gettext as _

from .kinds import Kind

CHUNK = 1 << 20


def storage():
    return storages["feeds"]


def checksum(stream) -> tuple[str, int]:
    """SHA-256 and size of a binary stream, read in chunks."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def detect_encoding(path: str) -> str:
    """ "utf-8-sig" or "gb18030" for the file at `path`; ValidationError for anything else (a
    UTF-16 file, Latin-1, a binary file)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            with storage().open(path, "rb") as source:
                while chunk := source.read(CHUNK):
                    if b"\x00" in chunk:  # UTF-16/32 or binary: no CSV of ours holds NUL
                        raise UnicodeDecodeError(encoding, b"", 0, 1, "NUL")
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _(
            "The file is neither UTF-8 nor GBK (GB18030) text; nothing was loaded. Please send it again as UTF-8 CSV."
        )
    )


def rows(path: str, kind: Kind, encoding: str) -> Iterator[tuple[int, dict | None]]:
    """(row number, cells by column name) for each data row; cells are stripped strings. The
    header row is row 1. A row whose cell count differs from the header's yields None."""
    with storage().open(path, "rb") as raw:
        stream = io.TextIOWrapper(raw, encoding=encoding, newline="")
        reader = csv.reader(stream)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
        except csv.Error as exc:
            raise ValidationError(_("The CSV file is damaged and cannot be read.")) from exc
        check_header(header, kind)
        width = len(header)
        try:
            for number, cells in enumerate(reader, 2):
                if not any(cells):
                    continue  # blank lines (a trailing one is common)
                if len(cells) != width:
                    yield number, None
                    continue
                yield number, {h: v.strip() for h, v in zip(header, cells, strict=True)}
        except csv.Error as exc:
            raise ValidationError(
                _("The CSV file is damaged near row %(row)d and cannot be read.")
                % {"row": reader.line_num}
            ) from exc


def check_header(header: list[str], kind: Kind) -> None:
    if not header or not any(header):
        raise ValidationError(_("The file is empty: it has no header row."))
    missing = [c for c in kind.required if c not in header]
    unknown = [h for h in header if h not in kind.names]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("missing columns: %(c)s") % {"c": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(c)s") % {"c": ", ".join(unknown[:10])})
    if duplicated:
        problems.append(_("repeated columns: %(c)s") % {"c": ", ".join(duplicated)})
    if problems:
        raise ValidationError(
            _("The header does not match the %(kind)s feed (%(problems)s); see docs/feeds.md.")
            % {"kind": kind.key, "problems": "; ".join(problems)}
        )
