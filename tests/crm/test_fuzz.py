"""No 500 on crafted input, by fuzzing (issue 15, item 12).

Every URL of ours is opened as a relationship manager, a team lead, a compliance officer and an
anonymous visitor. Each page's forms (and the query parameters its links use) are parsed once;
hypothesis then sends hostile values from a fixed list into them: every GET filter and every
POST form, with the other fields kept at plausible values so the hostile one reaches deeper
than the first validation. Any answer >= 500 fails the test with the URL and the values.

Bounded and repeatable: a fixed list of values, `derandomize=True`, a fixed number of examples,
no shrinking and no example database; one test transaction for all requests (no reset per
example: a request that changed data just makes the next one meet other data). The number of
requests sent is written to the terminal and to the JUnit report (`record_property`).
"""

import datetime
import inspect
import re
import sys
import traceback
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.crm.test_url_permissions import _ours, _walk

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

# What a crafted request carries where a form expects something sensible.
HOSTILE = [
    2**63,
    2**70,
    -(2**70),
    -1,
    0,
    "",
    " ",
    "x" * 5000,
    "9999-12-31",
    "0001-01-01",
    "2027-02-30",
    "9999-12-31T23:59",
    "NaN",
    "1e309",
    "1.5",
    "<script>alert(1)</script>",
    "=1+1",
    "\x00",
    "../../etc/passwd",
    "WyJ4IiwgIngiXQ",
    "abc",
    "١٢",
    ["1", "x"],  # a list where one value belongs
]

# Pages that end the session or that only Django serves; fuzzing them tests nothing of ours.
SKIP = {"accounts:logout", "admin:logout", "customers:calendar-feed"}
EXAMPLES = 4
CHUNK = 25
LOGIN = "/accounts/login/"

# Plausible values by input type, so that a hostile value in one field meets valid neighbours.
PLAUSIBLE = {
    "date": "2026-12-01",
    "datetime-local": "2026-12-01T10:00",
    "month": "2026-12",
    "number": "1",
    "email": "fuzz@example.invalid",
    "tel": "13812345678",
    "text": "x",
    "textarea": "x",
    "search": "x",
}


class _Forms(HTMLParser):
    """The forms of a page (method, action, field → plausible value) and its same-site links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links = [], []
        self._form = self._select = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        for key in ("href", "hx-get"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "form":
            method = "post" if "hx-post" in a else a.get("method", "get").lower()
            action = a.get("hx-post") or a.get("action") or a.get("hx-get") or ""
            self._form = {"method": method, "action": action, "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind == "file":
                return
            value = a.get("value") or PLAUSIBLE.get(kind, "")
            self._form["fields"].setdefault(a["name"], value)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select and a.get("value"):
            if not self._form["fields"][self._select]:
                self._form["fields"][self._select] = a["value"]
        elif tag == "textarea" and a.get("name"):
            self._form["fields"].setdefault(a["name"], "x")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _name(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _routes():
    """(view name, route with <converters>, view) of every URL pattern of ours."""
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if _ours(pattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            if name not in SKIP:
                yield name, "/" + route, pattern.callback


def _read_params(view) -> dict:
    """Query parameters the view reads without offering a form for them: `request.GET.get("x")`
    in its source, and the fields of the forms and filtersets it binds to `request.GET`."""
    view = inspect.unwrap(getattr(view, "view_class", view))
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return {}
    module = sys.modules.get(view.__module__)
    names = set(re.findall(r"GET(?:\.get|\.getlist)?[(\[]\s*[\"'](\w+)", source))
    for bound in re.findall(r"(\w+)\(\s*request\.GET", source):
        cls = getattr(module, bound, None)
        names |= set(getattr(cls, "base_fields", None) or getattr(cls, "base_filters", None) or ())
    return dict.fromkeys(names, "")


def _fill(route, ids):
    return re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: str(ids.get(m.group(2), 1)) if m.group(1) in (None, "int") else "mobile",
        route,
    )


def _where(tb) -> str:
    """The innermost frame of the project's own code in a traceback (file:line)."""
    frames = [f for f in traceback.extract_tb(tb) if "site-packages" not in f.filename]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


class _Fuzzer:
    def __init__(self, users, ids):
        self.users, self.ids = users, ids
        self.requests, self.failures = 0, []
        self.clients = {}
        for label, user in users.items():
            client = Client(raise_request_exception=False)
            if user is not None:
                client.force_login(user)
            self.clients[label] = client

    def send(self, label, method, path, data):
        client = self.clients[label]
        # Each request in a savepoint: one that fails in the database (PostgreSQL then refuses
        # every statement) is rolled back alone, and the next requests still run.
        with transaction.atomic():
            response = getattr(client, method)(path, data)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        self.requests += 1
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            cause = f"{exc[1]!r:.300} at {_where(exc[2])}" if exc else ""
            shown = {
                k: (v if len(str(v)) < 40 else f"{str(v)[:20]}…({len(str(v))})")
                for k, v in data.items()
            }
            self.failures.append(
                f"{label} {method.upper()} {path} {shown!r} → {response.status_code} {cause}"
            )
        return response

    def targets(self, routes):
        """Open every page once per role and collect what it offers to fill in: (role, method,
        path, field -> plausible value). Each is sent once as found; what the role may not use
        (401, 403, 405, or the login page for an anonymous visitor) is not fuzzed further."""
        found = {}
        routes = sorted(routes, key=lambda r: "<" in r[1])
        for label in self.clients:
            concrete = {}
            # Pages without ids first: their links give real ids for the pages that need them.
            for name, route, view in routes:
                path = concrete.get(name) or _fill(route, self.ids)
                self.send(label, "post", path, {})  # buttons on other pages post here
                response = self.send(label, "get", path, {})
                if response.status_code != 200:
                    continue
                if view is not None:
                    found.setdefault((label, "get", path, ()), _read_params(view))
                if "html" not in response.get("Content-Type", ""):
                    continue
                parser = _Forms()
                parser.feed(response.content.decode())
                for link in parser.links:
                    parts = urlsplit(link)
                    if parts.netloc or (parts.path and not parts.path.startswith("/")):
                        continue
                    target = parts.path or path
                    linked = _name(target)
                    if linked and linked not in SKIP:
                        concrete.setdefault(linked, target)
                        params = dict(parse_qsl(parts.query, keep_blank_values=True))
                        if params:
                            found.setdefault((label, "get", target, tuple(sorted(params))), params)
                for form in parser.forms:
                    target = urlsplit(form["action"]).path or path
                    if _name(target) in (None, *SKIP):
                        continue
                    fields = dict(form["fields"])
                    fields.pop("csrfmiddlewaretoken", None)  # the test client skips CSRF checks
                    found.setdefault((label, form["method"], target, tuple(sorted(fields))), fields)
        targets = []
        for (label, method, path, _), fields in found.items():
            response = self.send(label, method, path, fields)
            refused = response.status_code in (401, 403, 405) or (
                response.status_code == 302 and response.url.startswith(LOGIN)
            )
            if not refused:
                targets.append((label, method, path, fields))
        return targets


@pytest.fixture
def world(rm, lead, compliance):
    """Something to see behind every kind of id: the RM's customer, prospect, task, interaction,
    activity, warning, complaint; ids not found in the pages' links fall back to these."""
    from customers.contacts.services import interaction_log
    from tests.complaints.factories import ensure_reference_data, make_complaint
    from tests.compliance.factories import SignalFactory, StepFactory, WarningFactory
    from tests.customers.followups.factories import TaskFactory
    from tests.customers.sales.factories import ActivityFactory, ChannelFactory, ProspectFactory
    from tests.factories import CustomerFactory, InstitutionFactory
    from tests.tiering.factories import PolicyFactory

    ensure_reference_data()
    customer = CustomerFactory(owner=rm)
    InstitutionFactory(owner=rm)
    warning = WarningFactory(customer=customer)
    StepFactory(warning=warning)
    SignalFactory(customer=customer)
    TaskFactory(customer=customer)
    ChannelFactory()
    ActivityFactory(organiser=rm)
    ProspectFactory(owner=rm)
    PolicyFactory()
    interaction_log(
        rm,
        customer,
        channel="phone",
        occurred_at=timezone.now() - datetime.timedelta(hours=1),
        purpose="service",
        summary="回访",
    )
    make_complaint(rm, customer=customer)
    return {"pk": customer.pk, "customer_pk": customer.pk}


def _fuzz(fuzzer, targets, examples=EXAMPLES) -> int:
    """Send hostile values into every field of `targets`; returns the number of fields. One slot
    per field (a page without fields gets `q`); each example sends one request per slot."""
    slots = [
        (label, method, path, fields or {"q": ""}, name)
        for label, method, path, fields in targets
        for name in sorted(fields or {"q": ""})
    ]
    value = st.sampled_from(HOSTILE)

    @settings(
        derandomize=True,
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def probe(chunk, data):
        for label, method, path, fields, chosen in chunk:
            # The chosen field is hostile; each other one is too, one time in six, else
            # plausible (so that most requests pass the first validation and reach deeper).
            sent = {}
            for name in fields:
                hostile = name == chosen or data.draw(st.integers(0, 5)) == 0
                sent[name] = data.draw(value) if hostile else fields[name]
            fuzzer.send(label, method, path, sent)

    # Small chunks keep each example within hypothesis's budget of choices per example.
    for start in range(0, len(slots), CHUNK):
        probe(slots[start : start + CHUNK])
    return len(slots)


def _report(fuzzer, fields, record_property, capsys, what):
    record_property("fuzz_requests", fuzzer.requests)
    with capsys.disabled():
        sys.stderr.write(f"\nfuzz ({what}): {fuzzer.requests} requests, {fields} fields\n")
    assert not fuzzer.failures, "answers >= 500:\n" + "\n".join(fuzzer.failures)


def test_no_crafted_request_gets_a_500(rm, lead, compliance, world, record_property, capsys):
    fuzzer = _Fuzzer({"rm": rm, "lead": lead, "compliance": compliance, "anonymous": None}, world)
    targets = fuzzer.targets(_routes())
    # The walk must reach the forms, or this test proves nothing.
    assert len({path for _, method, path, _ in targets if method == "post"}) > 40
    fields = _fuzz(fuzzer, targets)
    _report(fuzzer, fields, record_property, capsys, "pages of three roles and anonymous")


# Add pages that took seconds each to render (measured on PostgreSQL under load; not looked into): the
# budget of the test would go to them alone. Activities and channels are fuzzed through the
# app's own forms; the other celery-beat schedules share the crontab page's form handling.
ADMIN_SLOW = {
    "admin:customers_activity_add",
    "admin:customers_channel_add",
    "admin:django_celery_beat_clockedschedule_add",
    "admin:django_celery_beat_solarschedule_add",
    "admin:django_celery_beat_intervalschedule_add",
    "admin:django_celery_beat_periodictask_add",
}


def _admin_add_routes():
    from django.contrib import admin

    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_add"
        if name not in ADMIN_SLOW:
            yield name, reverse(name), None


def test_no_crafted_admin_add_form_gets_a_500(world, admin_user, record_property, capsys):
    """The administrator's add forms (Django admin), as a superuser."""
    fuzzer = _Fuzzer({"superuser": admin_user}, world)
    targets = [t for t in fuzzer.targets(_admin_add_routes()) if t[1] == "post"]
    assert len(targets) > 10
    fields = _fuzz(fuzzer, targets, examples=1)  # admin pages are slow to render
    _report(fuzzer, fields, record_property, capsys, "admin add forms")
