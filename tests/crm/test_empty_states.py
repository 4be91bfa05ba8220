"""Empty lists say what to do next (issue 20 item 6): one include, a sentence and, when the
user may take it, one primary action."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _empty_state(html: str) -> str:
    return html.split('class="empty-state')[1].split("</div>")[0]


def test_an_empty_customer_list_offers_to_add_one_to_those_who_may(client, rm, make_user):
    client.force_login(rm)
    box = _empty_state(client.get(reverse("customers:customer-list")).content.decode())
    assert "没有符合条件的客户" in box
    assert (reverse("customers:customer-create") in box) == rm.has_perm("customers.add_customer")


def test_an_empty_complaint_queue_offers_to_register_one(client, officer):
    client.force_login(officer)
    html = client.get(reverse("complaints:complaint-queue"), HTTP_ACCEPT_LANGUAGE="en")
    box = _empty_state(html.content.decode())
    assert "register a complaint that has just come in" in box
    if officer.has_perm("complaints.add_complaint"):
        assert reverse("complaints:complaint-intake") in box and "empty-action" in box


def test_empty_notifications_and_tasks_point_somewhere(client, rm):
    client.force_login(rm)
    box = _empty_state(client.get(reverse("core:notification-list")).content.decode())
    assert "暂无通知" in box and reverse("ui:home") in box
    box = _empty_state(client.get(reverse("customers:task-list")).content.decode())
    assert "这里没有任务" in box and reverse("customers:customer-list") in box


def test_the_action_needs_the_permission_and_a_resolvable_url():
    template = Template(
        '{% load fiducia %}{% empty_state "Nothing." url="ui:home" action="Go" perm="x.y" %}'
        '|{% empty_state "Nothing." url="no:such-url" action="Go" %}'
        '|{% empty_state "Nothing." url="#form" action="Go" %}'
    )
    out = template.render(Context({"user": AnonymousUser()}))
    first, second, third = out.split("|")
    assert "Nothing." in first and "empty-action" not in first
    assert "empty-action" not in second
    assert 'href="#form"' in third
