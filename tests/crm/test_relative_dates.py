"""Relative dates (issue 20 item 6): "3 天后到期" / "due in 3 days" with the exact date on hover,
computed against a frozen today, in both languages, with English plurals right."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from crm.ui import dates

TODAY = datetime.date(2026, 3, 10)


def d(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.mark.parametrize(
    "offset, zh, en",
    [
        (0, "今天到期", "due today"),
        (1, "明天到期", "due tomorrow"),
        (3, "3 天后到期", "due in 3 days"),
        (-1, "已逾期 1 天", "1 day overdue"),
        (-2, "已逾期 2 天", "2 days overdue"),
        (-400, "已逾期 400 天", "400 days overdue"),
    ],
)
def test_due_phrase_in_both_languages(offset, zh, en):
    with translation.override("zh-hans"):
        assert dates.due_phrase(d(offset), today=TODAY) == zh
    with translation.override("en"):
        assert dates.due_phrase(d(offset), today=TODAY) == en


@pytest.mark.parametrize(
    "offset, zh, en",
    [
        (0, "今天", "today"),
        (1, "明天", "tomorrow"),
        (-1, "昨天", "yesterday"),
        (2, "2 天后", "in 2 days"),
        (-5, "5 天前", "5 days ago"),
    ],
)
def test_day_phrase_in_both_languages(offset, zh, en):
    with translation.override("zh-hans"):
        assert dates.day_phrase(d(offset), today=TODAY) == zh
    with translation.override("en"):
        assert dates.day_phrase(d(offset), today=TODAY) == en


def test_the_time_element_keeps_the_exact_date_for_hover_and_machines():
    with translation.override("zh-hans"):
        html = str(dates.relative_day(d(3), today=TODAY))
    assert html == '<time datetime="2026-03-13" title="2026-03-13">3 天后到期</time>'
    with translation.override("en"):
        late = str(dates.relative_day(d(-2), today=TODAY))
    assert 'class="text-danger fw-semibold"' in late and ">2 days overdue</time>" in late


def test_an_aware_datetime_counts_in_local_days():
    # 2026-03-12 17:00 UTC is already the 13th in Shanghai: three days from the 10th.
    moment = datetime.datetime(2026, 3, 12, 17, 0, tzinfo=datetime.UTC)
    with translation.override("en"):
        assert dates.due_phrase(moment, today=TODAY) == "due in 3 days"
        html = str(dates.relative_date(moment, today=TODAY))
    assert 'datetime="2026-03-13T01:00:00+08:00"' in html and 'title="2026-03-13 01:00"' in html


def test_the_filters_in_a_template_use_the_local_today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    template = Template(
        "{% load fiducia %}{{ due|relative_day }}|{{ seen|relative_date }}|{{ none|relative_day }}"
    )
    with translation.override("zh-hans"):
        out = template.render(Context({"due": d(-2), "seen": d(-1), "none": None}))
    assert ">已逾期 2 天</time>|" in out and ">昨天</time>|—" in out
