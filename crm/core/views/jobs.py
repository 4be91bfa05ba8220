"""The signed-in user's long jobs: each job's progress (a page, and a fragment that htmx polls
every 2 seconds while the job runs) and the list of their recent jobs."""

from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from crm.accounts.permissions import signed_in

from .. import jobs


def _with_labels(items):
    for job in items:
        job.kind_label = jobs.job_kind_label(job.kind)
    return items


# Any signed-in user: only jobs they started; others are 404.
@signed_in
@vary_on_headers("HX-Request")
def job_detail(request, pk):
    job = _with_labels([jobs.access_job(request.user, pk)])[0]
    template = "core/_job.html" if request.htmx else "core/job.html"
    return render(request, template, {"job": job})


# Any signed-in user: their own jobs.
@signed_in
def job_list(request):
    items = _with_labels(list(jobs.jobs_for(request.user)[:50]))
    return render(request, "core/jobs.html", {"items": items})
