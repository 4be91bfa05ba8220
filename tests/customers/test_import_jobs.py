"""A confirmed staged import is recorded as a long job of the operator's (crm.core.imports,
issue 20 item 6): all rows or none as before, progress to the end, one bell, owner only."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.audit.models import AuditEntry
from crm.core.models import BackgroundJob, Notification
from customers.records import transfers
from customers.records.models import Customer, CustomerImport
from customers.records.transfers import customer_import_confirm, customer_import_stage
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def _upload():
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["number", "kind", "name", "institution_type", "id_number", "uscc", "mobile"],
            ["J0001", "individual", "张伟", "", "11010519491231002X", "", "13812345678"],
            ["J0002", "机构", "华信信托有限公司", "trust", "", make_uscc(9), ""],
            ["J0003", "unknown", "", "", "", "", ""],
        ]
    )
    return SimpleUploadedFile("c.csv", out.getvalue().encode(), content_type="text/csv")


def test_confirm_is_a_finished_job_that_rings_once_and_only_its_owner_sees(as_user, rm_a, rm_b):
    client = as_user(rm_a)
    client.post(reverse("customers:import-upload"), {"file": _upload()})
    staged = CustomerImport.objects.get()
    confirm = reverse("customers:import-confirm", args=[staged.pk])
    client.post(confirm)
    client.post(confirm)  # refused: already confirmed — no second job, no second bell
    job = BackgroundJob.objects.get()
    assert (job.owner, job.kind, job.state, job.done, job.total) == (rm_a, "import", "done", 2, 2)
    assert job.subject == f"customer_import:{staged.pk}"
    assert job.result_url == reverse("customers:import-preview", args=[staged.pk])
    assert Customer.objects.count() == 2
    assert Notification.objects.filter(recipient=rm_a, text_code="job.done").count() == 1
    job_url = reverse("core:job-detail", args=[job.pk])
    preview = client.get(reverse("customers:import-preview", args=[staged.pk])).content.decode()
    assert f'href="{job_url}"' in preview
    assert as_user(rm_b).get(job_url).status_code == 404


def test_a_failed_write_changes_nothing_and_leaves_one_failed_job(rm_a, monkeypatch):
    staged = customer_import_stage(rm_a, _upload())

    def broken(rows, owners):
        raise RuntimeError("database gone")

    monkeypatch.setattr(transfers, "build_customers", broken)
    with pytest.raises(RuntimeError):
        customer_import_confirm(rm_a, staged)
    staged.refresh_from_db()
    assert staged.status == CustomerImport.Status.PENDING and Customer.objects.count() == 0
    assert not AuditEntry.objects.filter(action="customer_import.confirmed").exists()
    job = BackgroundJob.objects.get()
    assert (job.state, job.error, job.done) == ("failed", "RuntimeError", 0)
    assert Notification.objects.filter(recipient=rm_a, text_code="job.failed").count() == 1
