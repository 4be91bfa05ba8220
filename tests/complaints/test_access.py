"""The access contract: a complaint (and its documents and notices) outside the user's scope is
NotFound, exactly like a missing one, and 404 in every view; `for_write` locks the row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.access import access_attachment, access_complaint, access_notice
from crm.accounts import roles
from crm.core.access import NotFound
from tests.factories import UserFactory

from .factories import make_complaint, move

pytestmark = pytest.mark.django_db


def test_out_of_scope_is_the_same_as_missing(rm, other_rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    att = services.complaint_attach(rm, c.pk, SimpleUploadedFile("a.pdf", b"%PDF"))
    notice = c.notices.get()
    assert access_complaint(rm, c.pk) == c
    assert access_attachment(rm, c.pk, att.pk) == att
    assert access_notice(rm, c.pk, notice.pk) == notice
    for user, pk in [(other_rm, c.pk), (rm, c.pk + 1000), (rm, "abc"), (rm, 10**30)]:
        with pytest.raises(NotFound):
            access_complaint(user, pk)
    with pytest.raises(NotFound):
        access_attachment(other_rm, c.pk, att.pk)
    # A document or notice reached through another complaint's id is not found either.
    mine = make_complaint(rm, customer=customer)
    with pytest.raises(NotFound):
        access_attachment(rm, mine.pk, att.pk)
    with pytest.raises(NotFound):
        access_notice(rm, mine.pk, notice.pk)


def test_views_answer_404_outside_the_scope(client, rm, other_rm, customer, officer):
    c = move(officer, make_complaint(rm, customer=customer), "accepted")
    att = services.complaint_attach(rm, c.pk, SimpleUploadedFile("a.pdf", b"%PDF"))
    notice = c.notices.get()
    client.force_login(other_rm)
    for url in [
        reverse("complaints:complaint-detail", args=[c.pk]),
        reverse("complaints:attachment-download", args=[c.pk, att.pk]),
        reverse("complaints:notice-print", args=[c.pk, notice.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for name, data in [
        ("complaints:complaint-transition", {"to_state": "withdrawn", "withdrawn_reason": "x"}),
        ("complaints:attachment-create", {"file": SimpleUploadedFile("b.pdf", b"%PDF")}),
    ]:
        assert client.post(reverse(name, args=[c.pk]), data).status_code == 404, name
    client.force_login(rm)
    assert (
        client.get(reverse("complaints:attachment-download", args=[c.pk, att.pk])).status_code
        == 200
    )


@pytest.mark.parametrize("role", ["rm", "lead", "head"])
def test_for_write_locks_the_complaint_row_only(role, rm, customer):
    """Team and branch scopes join the customer (an outer join PostgreSQL cannot lock), and a
    lock on the shared SLA profile would serialise every complaint: only the complaint row."""
    c = make_complaint(rm, customer=customer)
    user = {
        "rm": rm,
        "lead": UserFactory(role=roles.TEAM_LEAD, team=rm.team, branch=rm.branch),
        "head": UserFactory(role=roles.BRANCH_HEAD, branch=rm.branch),
    }[role]
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        assert access_complaint(user, c.pk, for_write=True) == c
    sql = ctx.captured_queries[-1]["sql"]
    if connection.features.has_select_for_update:
        assert 'FOR UPDATE OF "complaints_complaint"' in sql
