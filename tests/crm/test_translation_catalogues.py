"""One word, one meaning (issue 15 item 14).

Django merges every catalogue into one: for a msgid without context the project locale wins,
then the apps in INSTALLED_APPS order. Two catalogues translating the same (context, msgid)
differently therefore show one app's wording on every other app's pages. A word that means
different things gets a message context (pgettext / {% translate ... context ... %}).
"""

from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation import gettext, pgettext

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules"}


def catalogues() -> list[Path]:
    return [
        p
        for p in sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
        if not SKIP.intersection(p.relative_to(ROOT).parts)
    ]


def translations() -> dict[tuple, dict[str, str]]:
    """(context, msgid) -> {catalogue: msgstr} over every project catalogue."""
    found: dict[tuple, dict[str, str]] = defaultdict(dict)
    for path in catalogues():
        with path.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            if not message.id:
                continue
            msgid = message.id if isinstance(message.id, str) else message.id[0]
            msgstr = message.string if isinstance(message.string, str) else message.string[0]
            if msgstr:
                found[(message.context, msgid)][str(path.relative_to(ROOT))] = msgstr
    return found


def test_the_project_has_several_catalogues():
    assert len(catalogues()) >= 6


def test_no_two_catalogues_translate_one_message_differently():
    conflicts = {
        key: by_file for key, by_file in translations().items() if len(set(by_file.values())) > 1
    }
    report = "\n".join(
        f"{ctx or ''}|{msgid!r}: " + "; ".join(f"{f} → {s}" for f, s in sorted(by_file.items()))
        for (ctx, msgid), by_file in sorted(conflicts.items(), key=lambda kv: str(kv[0]))
    )
    assert not conflicts, f"{len(conflicts)} messages translated differently:\n{report}"


def test_only_the_pii_reveal_reads_confirm_and_show():
    confirm = [key for key, by_file in translations().items() if "确认查看" in by_file.values()]
    assert confirm == [("PII reveal", "Show")]


@pytest.mark.parametrize(
    "context, msgid, expected",
    [
        (None, "Show", "查看"),
        ("PII reveal", "Show", "确认查看"),
        # The risk warning's signal column is evidence, not a complaint notice's proof of service.
        (None, "Evidence", "证据"),
        ("complaint notice", "Evidence", "送达凭证"),
        ("complaint", "Reference", "投诉编号"),
        (None, "Reference", "关联编号"),
        ("complaint", "Timeline", "处理经过"),
        (None, "Timeline", "时间线"),
        ("complaint", "Close", "办结"),
        (None, "Close", "关闭"),
        ("follow-up reason", "Event", "事件触发"),
        (None, "Event", "活动"),
        ("delivery", "Pending", "待发送"),
        (None, "Pending", "待审批"),
    ],
)
def test_the_merged_catalogue_gives_each_meaning_its_word(context, msgid, expected):
    with translation.override("zh-hans"):
        got = gettext(msgid) if context is None else pgettext(context, msgid)
    assert got == expected


# ---- on the pages -----------------------------------------------------------------------------


def _zh(client, url) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_risk_signal_list_calls_its_column_evidence(client, make_user):
    from django.urls import reverse

    from crm.accounts import roles
    from tests.compliance.factories import SignalFactory

    SignalFactory()
    client.force_login(make_user(roles.COMPLIANCE_OFFICER))
    html = _zh(client, reverse("compliance:signal-list"))
    assert "<th>证据</th>" in html and "送达凭证" not in html


@pytest.mark.django_db
def test_complaint_pages_use_complaint_terms(client, rm, officer):
    from django.urls import reverse

    from tests.complaints.factories import make_complaint

    c = make_complaint(rm)
    client.force_login(officer)
    queue = _zh(client, reverse("complaints:complaint-queue"))
    assert "<th>投诉编号</th>" in queue and "<th>投诉渠道</th>" in queue
    assert "关联编号" not in queue
    detail = _zh(client, reverse("complaints:complaint-detail", args=[c.pk]))
    assert "处理经过" in detail and "时间线" not in detail
    assert "送达凭证" in detail and "确认查看" not in detail
