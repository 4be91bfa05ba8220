"""The access contract every app follows (Zulip's access_stream_by_id shape).

Each entity has `<entity>s_for(user)` (a queryset already scoped to the user) and
`access_<entity>(user, pk, *, for_write=False)` built on `access_in()` below. Both "missing" and
"not yours" raise the same `NotFound`, so ids cannot be probed; `NotFoundMiddleware` is the one
place that turns it into a 404 page.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

from crm.audit.security import record_refusal

# The largest id a bigint column holds: a crafted larger number is "missing", not a 500.
MAX_ID = _MAX_ID = 2**63 - 1


class NotFound(ObjectDoesNotExist):
    """The object does not exist or is outside the user's scope (the same answer for both)."""


def parse_id(pk) -> int:
    """`pk` as a database id, or NotFound for anything that cannot be one ("abc", 10**30)."""
    try:
        value = int(pk)
    except (TypeError, ValueError) as exc:
        raise NotFound from exc
    if not 0 < value <= _MAX_ID:
        raise NotFound
    return value


def parse_ids(values) -> list[int]:
    """The distinct database ids among `values` (a bulk action's checkboxes), in order; NotFound
    if any one cannot be an id: a selection is all or nothing, like the rows it names."""
    return sorted({parse_id(value) for value in values})


def ids_among(values) -> list[int]:
    """The distinct database ids among `values`, leaving out those that cannot be one (for a
    bulk action that skips what it cannot act on)."""
    ids = set()
    for value in values:
        try:
            ids.add(parse_id(value))
        except NotFound:
            continue
    return sorted(ids)


def access_in(queryset, pk, *, lock: bool = False):
    """The object with this id in `queryset` (already scoped), locked FOR UPDATE when `lock`."""
    if lock:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=parse_id(pk))
    except queryset.model.DoesNotExist as exc:
        raise NotFound from exc


def access_row(queryset, pk, *, for_write: bool = False, read_related=()):
    """access_in for a scope that joins other tables: `for_write` locks the row itself only
    (FOR UPDATE OF self), not the customer or team rows the scope joins, and PostgreSQL cannot
    lock the nullable side of an outer join. `read_related` are select_related on a read only."""
    if for_write:
        queryset = queryset.select_for_update(of=("self",))
    elif read_related:
        queryset = queryset.select_related(*read_related)
    return access_in(queryset, pk)


class NotFoundMiddleware:
    """Turns the access contract's NotFound into Django's 404 (handler404 renders it), and
    records a 403 or 404 on an object URL in the audit log (crm.audit.security)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        record_refusal(request, response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404 from exception
        return None
