"""Logging filter: no clear identifier and no query string reaches a log (issue 15).

Attached to every handler in settings.LOGGING. It formats the record once, masks identifier-like
numbers (crm.identifiers) and drops the query string of a request line ("GET /x/?q=… HTTP/1.1",
as django.server logs it): a query string may hold a search term. gunicorn's access log is kept
free of query strings by its own format (gunicorn.conf.py).
"""

import logging
import re

from crm.identifiers import mask_identifiers

_REQUEST_LINE = re.compile(r"((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s?\"]*)\?[^\s\"]*")


def scrub(text: str) -> str:
    return mask_identifiers(_REQUEST_LINE.sub(r"\1", text))


class MaskIdentifiers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            # Formatted here so the handler's formatter reuses the masked text: an exception's
            # message may quote the value that failed.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
