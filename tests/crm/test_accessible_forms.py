"""Every form field on the main pages has a label (issue 20 item 4), checked without a browser so a
template change that drops one fails here and not only in the axe run of tests/e2e.

A field counts as labelled by a <label for=…>, a <label> around it, aria-label or aria-labelledby;
a placeholder alone does not (it disappears once the field has a value). The 360 page and My day
are checked with the panels htmx loads into them.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.complaints.factories import ensure_reference_data, make_complaint
from tests.compliance.factories import StepFactory, WarningFactory
from tests.customers.followups.factories import TaskFactory
from tests.factories import CustomerFactory

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Fields(HTMLParser):
    """Collects the form fields of a page, the ids labels point at, and the htmx `load` URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields, self.label_for, self.panels = [], set(), []
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if a.get("hx-get") and (a.get("hx-trigger") or "").startswith("load"):
            self.panels.append(a["hx-get"])
        if tag in ("input", "select", "textarea"):
            if tag == "input" and (a.get("type") or "text") in UNLABELLED_TYPES:
                return
            self.fields.append((tag, a, self._label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self._label_depth:
            self._label_depth -= 1

    def unlabelled(self):
        return [
            f"<{tag} name={a.get('name')!r} id={a.get('id')!r}>"
            for tag, a, wrapped in self.fields
            if not (
                wrapped
                or (a.get("id") and a["id"] in self.label_for)
                or (a.get("aria-label") or "").strip()
                or a.get("aria-labelledby")
            )
        ]


def unlabelled_fields(client, url, *, with_panels=False):
    response = client.get(url)
    assert response.status_code == 200, url
    page = _Fields()
    page.feed(response.content.decode())
    missing = page.unlabelled()
    if with_panels:
        for panel in page.panels:
            if "/notifications/bell/" in panel:
                continue
            fragment = _Fields()
            fragment.feed(client.get(panel, HTTP_HX_REQUEST="true").content.decode())
            missing += [f"{panel}: {field}" for field in fragment.unlabelled()]
    return missing


@pytest.fixture
def world(rm, lead, officer):
    ensure_reference_data()
    customer = CustomerFactory(owner=rm)
    complaint = make_complaint(rm, customer=customer)
    warning = WarningFactory(customer=customer)
    StepFactory(warning=warning)
    TaskFactory(customer=customer)  # its Log contact / Skip actions on My day and the task list
    # Overdue, so it is on the lead's team panel with its reassign form.
    TaskFactory(customer=customer, due_on=timezone.localdate() - datetime.timedelta(days=3))
    return {
        "rm": rm,
        "lead": lead,
        "officer": officer,
        "customer": customer,
        "complaint": complaint,
        "warning": warning,
    }


def test_the_parser_sees_an_unlabelled_field_and_accepts_the_four_ways_to_label():
    page = _Fields()
    page.feed(
        '<label for="a">A</label><input id="a" name="a">'
        '<label>B <select name="b"></select></label>'
        '<textarea name="c" aria-label="C"></textarea>'
        '<input name="d" aria-labelledby="x"><input type="hidden" name="csrf">'
        '<input name="e" placeholder="E only">'
    )
    assert page.unlabelled() == ["<input name='e' id=None>"]


RM_PAGES = [
    ("ui:home", None, True),
    ("customers:customer-list", None, False),
    ("customers:customer-detail", "customer", True),
    ("customers:interaction-create", "customer", False),
    ("customers:task-list", None, False),
    ("customers:prospect-board", None, False),
    ("customers:prospect-create", None, False),
]
OFFICER_PAGES = [
    ("complaints:complaint-queue", None, False),
    ("complaints:complaint-intake", None, False),
    ("complaints:complaint-detail", "complaint", False),
    ("compliance:warning-list", None, False),
    ("compliance:warning-detail", "warning", False),
    ("audit:entry-list", None, False),
]


@pytest.mark.parametrize(("name", "arg", "panels"), RM_PAGES)
def test_every_field_on_the_rms_main_pages_has_a_label(client, world, name, arg, panels):
    client.force_login(world["rm"])
    url = reverse(name, args=[world[arg].pk] if arg else [])
    assert unlabelled_fields(client, url, with_panels=panels) == []


LEAD_PAGES = [
    ("ui:home", None, True),
    ("customers:task-list", None, False),
    ("core:approval-list", None, False),
    ("performance:team-dashboard", None, False),
    ("tiering:report-list", None, False),
]


@pytest.mark.parametrize(("name", "arg", "panels"), LEAD_PAGES)
def test_every_field_on_the_leads_main_pages_has_a_label(client, world, name, arg, panels):
    client.force_login(world["lead"])
    query = "?who=team" if name == "customers:task-list" else ""
    assert unlabelled_fields(client, reverse(name) + query, with_panels=panels) == []


@pytest.mark.parametrize(("name", "arg", "panels"), OFFICER_PAGES)
def test_every_field_on_compliances_main_pages_has_a_label(client, world, name, arg, panels):
    client.force_login(world["officer"])
    url = reverse(name, args=[world[arg].pk] if arg else [])
    assert unlabelled_fields(client, url, with_panels=panels) == []


def test_the_login_page_labels_its_fields(client):
    assert unlabelled_fields(client, reverse("accounts:login")) == []


def _templates():
    from django.conf import settings

    root = settings.BASE_DIR
    skip = {".venv", "node_modules"}
    return [
        p
        for p in root.glob("**/templates/**/*.html")
        if not skip.intersection(p.relative_to(root).parts)
    ]


CONTROL = re.compile(r"<(a|button|summary)\b([^>]*)>(.*?)</\1>", re.S)


def _shown_text(inner):
    """What a control shows: translated strings and variables count, tags and logic do not."""
    inner = re.sub(r"\{%\s*(translate|blocktranslate)\b.*?%\}", "x", inner, flags=re.S)
    inner = re.sub(r"\{%.*?%\}", "", inner, flags=re.S)
    return re.sub(r"<[^>]+>", "", inner).strip()


def test_no_icon_only_button_or_link_without_a_name():
    """An icon alone (a pencil, a bell) is read as nothing: such a control needs visually hidden
    text or an aria-label."""
    nameless = []
    for path in _templates():
        text = path.read_text()
        for m in CONTROL.finditer(text):
            attrs, inner = m.group(2), m.group(3)
            if _shown_text(inner) or "aria-label" in attrs or "visually-hidden" in inner:
                continue
            nameless.append(f"{path.name}:{text[: m.start()].count(chr(10)) + 1}")
    assert nameless == []
