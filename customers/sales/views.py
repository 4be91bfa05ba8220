"""Views of sales and service management: thin — parse input, call a selector or service,
render. Objects outside the user's scope answer 404; missing permissions 403."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts.access import Scope, is_read_only, scope_of, staff_filter
from crm.accounts.models import Branch, Team
from crm.ui.forms import add_service_error
from crm.ui.pagination import keyset_page
from customers.records import selectors
from customers.records.access import access_customer
from customers.records.filters import CustomerFilter
from customers.records.models import Customer
from customers.sales.forms import (
    ActivityForm,
    EvaluationForm,
    GenerateForm,
    HandoverAssignForm,
    HandoverStartForm,
    MoveForm,
    NextStepForm,
    ProspectForm,
    ReviewForm,
    SendForm,
    SurveyForm,
)
from customers.sales.models import (
    Activity,
    ActivityInvitation,
    HandoverItem,
    HandoverPlan,
    LifecycleStage,
    Prospect,
    Statement,
)
from customers.sales.services import handover, marketing, pipeline, statements, surveys


def perm_required(perm, *, write=False):
    def deco(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm) or (write and is_read_only(request.user)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def not_found(*exceptions):
    """Turn the services' DoesNotExist (outside scope) into 404."""

    def deco(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except exceptions:
                raise Http404 from None

        return wrapper

    return deco


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# ---- pipeline -------------------------------------------------------------------------------


def _board_filters(request):
    """owner / team filters, each checked against the user's scope (else 404)."""
    owner = team = None
    if request.GET.get("owner"):
        owner = (
            get_user_model()
            .objects.filter(staff_filter(request.user), pk=_int(request.GET["owner"]))
            .first()
        )
        if owner is None:
            raise Http404
    if request.GET.get("team"):
        team = Team.objects.filter(pk=_int(request.GET["team"])).first()
        scope = scope_of(request.user)
        allowed = team is not None and (
            scope is Scope.ALL
            or (scope is Scope.TEAM and team.pk == request.user.team_id)
            or (
                scope is Scope.BRANCH
                and Branch.objects.filter(
                    pk=team.branch_id, path__startswith=request.user.branch.path
                ).exists()
            )
        )
        if not allowed:
            raise Http404
    if owner is None and team is None and scope_of(request.user) <= Scope.OWN:
        owner = request.user
    return owner, team


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _board(user, owner, team) -> dict:
    """Board data with each card's links, reversed once per board rather than per card."""
    data = pipeline.pipeline_board(user, owner=owner, team=team)
    detail = reverse("customers:sales:prospect", args=[0])
    move = reverse("customers:sales:prospect_move", args=[0])
    for column in data["columns"]:
        for card in column["cards"]:
            pk = str(card["prospect"].pk)
            card["url"] = detail.replace("/0/", f"/{pk}/")
            card["move_url"] = move.replace("/0/", f"/{pk}/")
    return data


@perm_required("customers.view_prospect")
def board(request):
    owner, team = _board_filters(request)
    context = {
        **_board(request.user, owner, team),
        "owner": owner,
        "team": team,
        "can_write": request.user.has_perm("customers.change_prospect")
        and not is_read_only(request.user),
        "filter_query": request.GET.urlencode(),
        "can_choose": scope_of(request.user) >= Scope.TEAM,
    }
    if request.htmx:
        return render(request, "customers/sales/_board.html", context)
    return render(request, "customers/sales/board.html", context)


@perm_required("customers.view_prospect")
def board_filters(request):
    """htmx fragment for leads and branch heads: choose an RM or a team (kept out of the
    board's own query budget)."""
    if scope_of(request.user) < Scope.TEAM:
        raise Http404
    staff = list(selectors.assignable_staff(request.user).select_related("team"))
    teams = sorted({(u.team.name, u.team_id) for u in staff if u.team_id})
    if scope_of(request.user) is Scope.TEAM and request.user.team_id:
        teams = [(request.user.team.name, request.user.team_id)]
    return render(
        request,
        "customers/sales/_board_filters.html",
        {
            "staff": staff,
            "teams": teams,
            "owner": request.GET.get("owner", ""),
            "team": request.GET.get("team", ""),
        },
    )


@perm_required("customers.add_prospect", write=True)
def prospect_create(request):
    form = ProspectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            prospect = pipeline.create_prospect(request.user, form.save(commit=False))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Prospect created."))
            return redirect("customers:sales:prospect", pk=prospect.pk)
    return render(request, "customers/sales/prospect_form.html", {"form": form})


@perm_required("customers.view_prospect")
def prospect_detail(request, pk):
    prospect = (
        pipeline.prospects_for(request.user)
        .select_related("owner", "channel", "activity", "referred_by", "customer")
        .filter(pk=pk)
        .first()
    )
    if prospect is None:
        raise Http404
    return render(
        request,
        "customers/sales/prospect_detail.html",
        {
            "prospect": prospect,
            "events": list(prospect.events.select_related("actor")),
            "moves": pipeline.allowed_moves(prospect.stage, prospect=True),
            "next_form": NextStepForm(
                initial={"next_step": prospect.next_step, "next_step_on": prospect.next_step_on}
            ),
            "can_write": request.user.has_perm("customers.change_prospect")
            and not is_read_only(request.user),
        },
    )


@require_POST
@perm_required("customers.change_prospect", write=True)
@not_found(Prospect.DoesNotExist)
def prospect_next_step(request, pk):
    prospect = pipeline.prospects_for(request.user).filter(pk=pk).first()
    if prospect is None:
        raise Http404
    form = NextStepForm(request.POST)
    if form.is_valid():
        pipeline.update_next_step(
            request.user,
            prospect,
            next_step=form.cleaned_data["next_step"],
            due=form.cleaned_data["next_step_on"],
        )
        messages.success(request, _("Next step saved."))
    else:
        messages.error(request, _("Please check the next step."))
    return redirect("customers:sales:prospect", pk=pk)


@require_POST
@perm_required("customers.change_prospect", write=True)
@not_found(Prospect.DoesNotExist)
def prospect_move(request, pk):
    prospect = pipeline.prospects_for(request.user).filter(pk=pk).first()
    if prospect is None:
        raise Http404
    form = MoveForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Please check the amount.")
    else:
        data = form.cleaned_data
        try:
            pipeline.transition(
                request.user,
                prospect,
                data["to"],
                reason=data["reason"],
                customer_number=data["customer_number"],
                aum_raised=data["aum_raised"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx and request.POST.get("from") == "board":
        if error:
            messages.error(request, error)
        request.GET = request.POST.copy()  # the board's owner/team filters travel with the form
        for key in ("to", "reason", "customer_number", "aum_raised", "from", "csrfmiddlewaretoken"):
            request.GET.pop(key, None)
        owner, team = _board_filters(request)
        context = {
            **_board(request.user, owner, team),
            "owner": owner,
            "team": team,
            "can_write": True,
            "error": error,
        }
        return render(request, "customers/sales/_board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Stage changed."))
    return redirect("customers:sales:prospect", pk=pk)


@require_POST
@perm_required("customers.change_customer", write=True)
@not_found(Customer.DoesNotExist)
def customer_move(request, pk):
    customer = access_customer(request.user, pk)
    try:
        pipeline.transition(
            request.user,
            customer,
            request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Stage changed."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("customers:detail", pk=pk)


@perm_required("customers.view_customer")
def lifecycle_panel(request, pk):
    customer = access_customer(request.user, pk)
    stage = pipeline.customer_stage(customer)
    return render(
        request,
        "customers/sales/_lifecycle_panel.html",
        {
            "customer": customer,
            "stage": stage,
            "stage_label": LifecycleStage(stage).label,
            "events": pipeline.history_of_customer(customer)[-8:],
            "moves": pipeline.allowed_moves(stage, prospect=False),
            "statements": statements.customer_statements(customer),
            "can_write": request.user.has_perm("customers.change_customer")
            and not is_read_only(request.user),
        },
    )


def pipeline_home_panel(request):
    board_data = pipeline.pipeline_board(request.user, owner=request.user)
    return render(request, "customers/sales/_home_panel.html", board_data)


# ---- handover -------------------------------------------------------------------------------


@perm_required(handover.PERM)
def handover_list(request):
    plans = list(handover.plans_for(request.user)[:100])
    return render(request, "customers/sales/handover_list.html", {"plans": plans})


@perm_required(handover.PERM, write=True)
def handover_start(request):
    initial = {}
    if request.GET.get("departing"):
        initial["departing"] = _int(request.GET["departing"])
    form = HandoverStartForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = handover.start_plan(
                request.user,
                data["departing"],
                data["default_successor"],
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Handover plan created."))
            return redirect("customers:sales:handover", pk=plan.pk)
    return render(request, "customers/sales/handover_start.html", {"form": form})


@perm_required(handover.PERM)
@not_found(HandoverPlan.DoesNotExist)
def handover_detail(request, pk):
    plan = handover.get_plan_for(request.user, pk)
    if request.method == "POST":
        if is_read_only(request.user):
            raise PermissionDenied
        form = HandoverAssignForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                n = handover.assign(
                    request.user,
                    plan,
                    request.POST.getlist("customer"),
                    form.cleaned_data["successor"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("%(n)d customers updated.") % {"n": n})
            except ValidationError as exc:
                _errors(request, exc)
        else:
            messages.error(request, _("Please choose a valid successor."))
        return redirect(request.get_full_path())
    items = keyset_page(
        HandoverItem.objects.filter(plan=plan)
        .select_related("customer", "successor")
        .only(
            "pk",
            "note",
            "customer__id",
            "customer__number",
            "customer__name",
            "customer__aum",
            "customer__vip_level",
            "successor__username",
            "successor__display_name",
            "successor__first_name",
            "successor__last_name",
        ),
        ["customer__number", "pk"],
        request.GET.get("after"),
        settings.FIDUCIA["LIST_PAGE_SIZE"],
    )
    return render(
        request,
        "customers/sales/handover_detail.html",
        {
            "plan": plan,
            "items": items,
            "counts": handover.successor_counts(plan),
            "left": handover.leftovers(plan.departing)
            if plan.status == plan.Status.DRAFT
            else None,
            "form": HandoverAssignForm(user=request.user),
        },
    )


@require_POST
@perm_required(handover.PERM, write=True)
@not_found(HandoverPlan.DoesNotExist)
def handover_complete(request, pk):
    plan = handover.get_plan_for(request.user, pk)
    try:
        done = handover.complete(request.user, plan)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Handover completed: %(n)d customers moved.") % {"n": done.summary["customers"]},
        )
    return redirect("customers:sales:handover", pk=pk)


@require_POST
@perm_required(handover.PERM, write=True)
@not_found(HandoverPlan.DoesNotExist)
def handover_cancel(request, pk):
    plan = handover.get_plan_for(request.user, pk)
    try:
        handover.cancel(request.user, plan)
        messages.success(request, _("Handover plan cancelled."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("customers:sales:handovers")


@perm_required(handover.PERM)
def handover_panel(request, pk):
    """The "staff_detail" panel: the person's open plan, or a "start handover" button."""
    person = get_user_model().objects.filter(pk=pk).first()
    in_scope = person is not None and (
        handover.staff_in_scope(request.user).filter(pk=pk).exists()
        # Someone who has left is no longer "staff in scope", but their plan still is.
        or handover.plans_for(request.user).filter(departing_id=pk).exists()
    )
    if not in_scope:
        raise Http404
    plan = handover.plans_for(request.user).filter(departing=person).first()
    return render(
        request,
        "customers/sales/_handover_panel.html",
        {"person": person, "plan": plan, "left": handover.leftovers(person)},
    )


# ---- channels and activities ----------------------------------------------------------------


@perm_required("customers.view_channel")
def channel_list(request):
    channels = list(marketing.channels_for(request.user).select_related("branch"))
    results = marketing.channel_results(channels)
    latest = {}
    for evaluation in marketing.ChannelEvaluation.objects.filter(channel__in=channels).order_by(
        "channel_id", "-period_end"
    ):
        latest.setdefault(evaluation.channel_id, evaluation)
    rows = [
        {"channel": c, "results": results.get(c.pk, {}), "latest": latest.get(c.pk)}
        for c in channels
    ]
    return render(request, "customers/sales/channel_list.html", {"rows": rows})


@perm_required("customers.view_channel")
def channel_detail(request, pk):
    channel = marketing.channels_for(request.user).filter(pk=pk).first()
    if channel is None:
        raise Http404
    form = EvaluationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("customers.add_channelevaluation") or is_read_only(
            request.user
        ):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                marketing.evaluate_channel(
                    request.user,
                    channel,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    scores={k: data[k] for k in marketing.EVALUATION_WEIGHTS},
                    comment=data["comment"],
                )
                messages.success(request, _("Evaluation saved."))
                return redirect("customers:sales:channel", pk=pk)
            except ValidationError as exc:
                add_service_error(form, exc)
    return render(
        request,
        "customers/sales/channel_detail.html",
        {
            "channel": channel,
            "evaluations": list(channel.evaluations.select_related("evaluated_by")),
            "results": marketing.channel_results([channel]).get(channel.pk, {}),
            "form": form,
        },
    )


@perm_required("customers.view_activity")
def activity_list(request):
    activities = list(marketing.activities_for(request.user)[:100])
    results = marketing.activity_results(activities)
    rows = [{"activity": a, "results": results[a.pk]} for a in activities]
    return render(request, "customers/sales/activity_list.html", {"rows": rows})


@perm_required("customers.add_activity", write=True)
def activity_create(request):
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity = marketing.create_activity(request.user, form.save(commit=False))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Activity created."))
            return redirect("customers:sales:activity", pk=activity.pk)
    return render(request, "customers/sales/activity_form.html", {"form": form})


@perm_required("customers.view_activity")
@not_found(Activity.DoesNotExist)
def activity_detail(request, pk):
    activity = marketing.get_activity_for(request.user, pk)
    invitations = list(
        activity.invitations.filter(customer__in=selectors.customers_for(request.user))
        .select_related("customer", "customer__owner")
        .order_by("customer__number")[:500]
    )
    return render(
        request,
        "customers/sales/activity_detail.html",
        {
            "activity": activity,
            "invitations": invitations,
            "results": marketing.activity_results([activity])[activity.pk],
            "statuses": ActivityInvitation.Status.choices,
            "can_write": request.user.has_perm("customers.change_activityinvitation")
            and not is_read_only(request.user),
        },
    )


@perm_required("customers.add_activityinvitation", write=True)
@not_found(Activity.DoesNotExist, Customer.DoesNotExist)
def activity_invite(request, pk):
    """A filtered list of the organiser's customers to choose invitees from."""
    activity = marketing.get_activity_for(request.user, pk)
    if activity.organiser_id == request.user.pk:
        activity.organiser = request.user  # one user object: its roles are loaded once
    if request.method == "POST":
        try:
            n = marketing.invite(request.user, activity, request.POST.getlist("customer"))
            messages.success(request, _("%(n)d customers invited.") % {"n": n})
            return redirect("customers:sales:activity", pk=pk)
        except ValidationError as exc:
            _errors(request, exc)
    base = marketing.invitable_customers(activity, request.user)
    filterset = CustomerFilter(request.GET or None, queryset=base, user=request.user)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    qs = selectors.customer_list_qs(qs).annotate(
        invited=Exists(
            ActivityInvitation.objects.filter(activity=activity, customer=OuterRef("pk"))
        )
    )
    page = keyset_page(qs, ["number", "pk"], request.GET.get("after"), 100)
    return render(
        request,
        "customers/sales/activity_invite.html",
        {"activity": activity, "filter": filterset, "page": page},
    )


@require_POST
@perm_required("customers.change_activityinvitation", write=True)
@not_found(Activity.DoesNotExist)
def activity_status(request, pk):
    activity = marketing.get_activity_for(request.user, pk)
    try:
        n = marketing.set_status(
            request.user, activity, request.POST.getlist("customer"), request.POST.get("status", "")
        )
        messages.success(request, _("%(n)d invitations updated.") % {"n": n})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("customers:sales:activity", pk=pk)


@require_POST
@perm_required("customers.change_activity", write=True)
@not_found(Activity.DoesNotExist)
def activity_held(request, pk):
    activity = marketing.get_activity_for(request.user, pk)
    try:
        n = marketing.mark_held(request.user, activity)
        messages.success(request, _("Activity held: %(n)d follow-up tasks created.") % {"n": n})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("customers:sales:activity", pk=pk)


# ---- statements -----------------------------------------------------------------------------


@perm_required("customers.view_statement")
def statement_list(request):
    qs = statements.statements_for(request.user)
    status = request.GET.get("status")
    if status in Statement.Status.values:
        qs = qs.filter(status=status)
    page = keyset_page(
        qs.order_by("-period_start", "-pk"),
        ["-period_start", "-pk"],
        request.GET.get("after"),
        settings.FIDUCIA["LIST_PAGE_SIZE"],
    )
    can_generate = request.user.has_perm("customers.add_statement") and not is_read_only(
        request.user
    )
    return render(
        request,
        "customers/sales/statement_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Statement.Status.choices,
            "can_generate": can_generate,
            "generate_form": GenerateForm() if can_generate else None,
            "runs": statements.runs() if can_generate else [],
        },
    )


@require_POST
@perm_required("customers.add_statement", write=True)
def statement_generate(request):
    from customers.sales.tasks import generate_statements

    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            statements.period_bounds(form.cleaned_data["kind"], form.cleaned_data["period_start"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            generate_statements.delay(
                form.cleaned_data["kind"], form.cleaned_data["period_start"].isoformat()
            )
            messages.success(request, _("Statement generation started in the background."))
    else:
        messages.error(request, _("Please choose a period."))
    return redirect("customers:sales:statements")


@perm_required("customers.add_statement")
def statement_runs(request):
    return render(request, "customers/sales/_runs.html", {"runs": statements.runs()})


@perm_required("customers.view_statement")
@not_found(Statement.DoesNotExist)
def statement_detail(request, pk):
    statement = statements.get_statement_for(request.user, pk)
    can_send = request.user.has_perm("customers.send_statement") and not is_read_only(request.user)
    return render(
        request,
        "customers/sales/statement_detail.html",
        {
            "statement": statement,
            "c": statement.content,
            "review_form": ReviewForm(initial={"market_note": statement.market_note}),
            "send_form": SendForm(),
            "can_send": can_send,
            "recipient": statements.recipient_for(statement.customer),
        },
    )


@require_POST
@perm_required("customers.send_statement", write=True)
@not_found(Statement.DoesNotExist)
def statement_review(request, pk):
    statement = statements.get_statement_for(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            statements.review(request.user, statement, market_note=form.cleaned_data["market_note"])
            messages.success(request, _("Statement reviewed."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("The market note is limited to 2,000 characters."))
    return redirect("customers:sales:statement", pk=pk)


@require_POST
@perm_required("customers.send_statement", write=True)
@not_found(Statement.DoesNotExist)
def statement_send(request, pk):
    statement = statements.get_statement_for(request.user, pk)
    try:
        statements.send(request.user, statement, via=request.POST.get("via", ""))
        messages.success(request, _("Statement marked as sent."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("customers:sales:statement", pk=pk)


@perm_required("customers.view_statement")
@not_found(Statement.DoesNotExist)
def statement_pdf(request, pk):
    statement = statements.get_statement_for(request.user, pk)
    if not statement.pdf:
        raise Http404
    statements.record_download(request.user, statement)
    return FileResponse(
        statement.pdf.open("rb"),
        as_attachment=True,
        filename=statement.pdf.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


# ---- satisfaction ---------------------------------------------------------------------------


@perm_required("customers.view_satisfactionsurvey")
def survey_panel(request, pk):
    customer = access_customer(request.user, pk)
    return render(
        request,
        "customers/sales/_survey_panel.html",
        {
            "customer": customer,
            **surveys.summary_for(customer),
            "form": SurveyForm(),
            "can_write": request.user.has_perm("customers.add_satisfactionsurvey")
            and not is_read_only(request.user),
        },
    )


@require_POST
@perm_required("customers.add_satisfactionsurvey", write=True)
@not_found(Customer.DoesNotExist)
def survey_create(request, pk):
    customer = access_customer(request.user, pk)
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            surveys.record_survey(request.user, customer, **form.cleaned_data)
            messages.success(request, _("Survey recorded."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("The score is a whole number from 1 to 5."))
    return redirect(reverse("customers:detail", args=[pk]))
