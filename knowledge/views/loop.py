"""The improvement loop's pages: the suggestions queue, problem reports and their plans.

Every change is a POST through a knowledge.services.loop service; a refused move shows on the
report page (409, or 400 with the form's field named), a missing permission is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knowledge.forms.loop import (
    ActionStatusForm,
    DecisionForm,
    PlanActionForm,
    PlanForm,
    ReportCreateForm,
    ReportEditForm,
    ReportStatusForm,
    ReportTicketsForm,
    SuggestionFilterForm,
    VerificationForm,
    split_numbers,
)
from knowledge.models import Alert, PlanAction, ProblemReport
from knowledge.selectors import loop as selectors
from knowledge.selectors.alerts import alert_tickets
from knowledge.services import loop as services
from tickets.errors import DomainError, PermissionDeniedError

VIEW_PERM = "knowledge.view_problemreport"


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _report_or_404(request: HttpRequest, pk: int) -> ProblemReport:
    """The report, for users who may see reports or who own one of its plan's actions."""
    try:
        report = selectors.report_get(pk=pk)
    except ProblemReport.DoesNotExist:
        raise Http404 from None
    if (
        not request.user.has_perm(VIEW_PERM)
        and not PlanAction.objects.filter(plan__report=report, owner=request.user).exists()
    ):
        raise PermissionDenied
    return report


@login_required
@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_suggestions(request.user):
        raise PermissionDenied
    form = SuggestionFilterForm(request.GET or {"status": "open", "period": "90"})
    open_only, period = form.values()
    groups = selectors.suggestion_groups(open_only=open_only, period=period, now=timezone.now())
    context = {"form": form, "groups": groups, "shown": selectors.GROUP_SHOWN}
    return render(request, "knowledge/loop/suggestions.html", context)


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_PERM)
    status = request.GET.get("status", "")
    status = status if status in ProblemReport.Status.values else ""
    context = {
        "reports": selectors.report_list(status=status)[:200],
        "status": status,
        "statuses": ProblemReport.Status.choices,
        "counts": selectors.report_counts_by_status(),
    }
    return render(request, "knowledge/loop/report_list.html", context)


def _create_initial(request: HttpRequest) -> dict[str, Any]:
    """Prefill from ?alert=<id> (its subject and tickets) or ?tickets=N1,N2[&product=<id>]."""
    alert_id = request.GET.get("alert", "")
    if alert_id.isdigit():
        alert = Alert.objects.select_related("product", "tag__parent").filter(pk=alert_id).first()
        if alert is None:
            raise Http404
        subject = f"{alert.product} {alert.batch}".strip() if alert.product else str(alert.tag)
        numbers = alert_tickets(alert=alert).values_list("number", flat=True)
        day = timezone.localtime(alert.period_start).date().isoformat()
        return {
            "alert": alert.pk,
            "title": _("%(subject)s: %(count)d tickets from %(day)s")
            % {
                "subject": subject,
                "count": alert.count,
                "day": day,
            },
            "product": alert.product_id,
            "batch": alert.batch,
            "tag": alert.tag_id,
            "tickets": ", ".join(numbers[: services.MAX_TICKETS_PER_CHANGE]),
            "_alert": alert,
        }
    numbers = split_numbers(",".join(request.GET.getlist("tickets")))
    product = request.GET.get("product", "")
    return {"tickets": ", ".join(numbers), "product": product if product.isdigit() else None}


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest) -> HttpResponse:
    _require(request, "knowledge.add_problemreport")
    if request.method == "GET":
        initial = _create_initial(request)
        alert = initial.pop("_alert", None)
        if alert is not None and alert.report_id:
            messages.info(request, _("This alert already has a problem report."))
            return redirect("knowledge:report_detail", pk=alert.report_id)
        form = ReportCreateForm(initial=initial)
        return render(request, "knowledge/loop/report_create.html", {"form": form, "alert": alert})
    form = ReportCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        alert = Alert.objects.filter(pk=data["alert"]).first() if data["alert"] else None
        try:
            report = services.report_create(
                title=data["title"],
                tickets=data["tickets"] or [],
                product=data["product"],
                batch=data["batch"],
                tag=data["tag"],
                alert=alert,
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Problem report opened."))
            return redirect("knowledge:report_detail", pk=report.pk)
    return render(request, "knowledge/loop/report_create.html", {"form": form}, status=400)


def report_context(request: HttpRequest, report: ProblemReport, bound: dict) -> dict[str, Any]:
    """The report page: its tickets, plan, approvals, verifications, notices and timeline."""
    user = request.user
    plan = selectors.plan_for_report(report=report)
    notices = list(selectors.fix_notices(plan=plan))
    editable = plan is None or plan.status in services.EDITABLE
    forms_ = {
        "edit_form": ReportEditForm(instance=report),
        "tickets_form": ReportTicketsForm(),
        "status_form": ReportStatusForm(),
        "plan_form": PlanForm(instance=plan),
        "action_form": PlanActionForm(),
        "decision_form": DecisionForm(),
        "verification_form": VerificationForm(),
    } | bound
    can_manage_plan = user.has_perm("knowledge.change_improvementplan")
    return {
        **forms_,
        "report": report,
        "tickets": selectors.report_tickets(report=report),
        "plan": plan,
        "approvals": selectors.approvals_by_role(plan),
        "notices": notices,
        "timeline": selectors.report_timeline(report=report, plan=plan, notices=notices),
        "can_edit_report": user.has_perm("knowledge.change_problemreport")
        and report.status != ProblemReport.Status.FIXED,
        "can_plan": can_manage_plan and editable and report.status != "closed",
        "can_manage_plan": can_manage_plan,
        "decide_roles": selectors.roles_user_may_decide(user),
        "can_verify": user.has_perm("knowledge.add_verification"),
        "action_statuses": PlanAction.Status.choices,
        "plan_under_way": plan is not None and plan.status in services.UNDER_WAY,
    }


@login_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return render(request, "knowledge/loop/report_detail.html", report_context(request, report, {}))


def _apply(
    request: HttpRequest,
    report: ProblemReport,
    form: forms.Form,
    slot: str,
    run: Callable[[dict[str, Any]], object],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """Validate, run the service, and redirect; or show the page with the error on the form."""
    status = 400
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except DomainError as exc:
            form.add_error(None, str(exc))
            status = exc.http_status
        else:
            messages.success(request, done)
            return redirect(reverse("knowledge:report_detail", args=[report.pk]) + anchor)
    context = report_context(request, report, {slot: form})
    return render(request, "knowledge/loop/report_detail.html", context, status=status)


def _plan_or_409(report: ProblemReport):
    plan = selectors.plan_for_report(report=report)
    if plan is None:
        raise services.LoopConflict(_("The report has no plan yet."))
    return plan


@login_required
@require_POST
def report_update(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    form = ReportEditForm(request.POST)
    return _apply(
        request,
        report,
        form,
        "edit_form",
        lambda data: services.report_update(report=report, actor=request.user, **data),
        _("Report saved."),
    )


@login_required
@require_POST
def report_tickets_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        ReportTicketsForm(request.POST),
        "tickets_form",
        lambda data: services.report_tickets_add(
            report=report, numbers=[t.number for t in data["numbers"]], actor=request.user
        ),
        _("Tickets added."),
        "#tickets",
    )


@login_required
@require_POST
def report_ticket_remove(request: HttpRequest, pk: int, number: str) -> HttpResponse:
    report = _report_or_404(request, pk)
    ticket = report.tickets.filter(number=number).first()
    if ticket is None:
        raise Http404
    return _apply(
        request,
        report,
        forms.Form(request.POST),
        "tickets_form",
        lambda data: services.report_ticket_remove(
            report=report, ticket=ticket, actor=request.user
        ),
        _("Ticket %(number)s removed from the report.") % {"number": number},
        "#tickets",
    )


@login_required
@require_POST
def report_status(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        ReportStatusForm(request.POST),
        "status_form",
        lambda data: services.report_status_set(
            report=report, status=data["status"], actor=request.user
        ),
        _("Report status changed."),
    )


@login_required
@require_POST
def plan_save(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        PlanForm(request.POST),
        "plan_form",
        lambda data: services.plan_save(report=report, actor=request.user, **data),
        _("Plan saved."),
        "#plan",
    )


@login_required
@require_POST
def plan_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        PlanActionForm(request.POST),
        "action_form",
        lambda data: services.plan_action_add(
            plan=_plan_or_409(report), actor=request.user, **data
        ),
        _("Action added."),
        "#plan",
    )


def _action_or_404(report: ProblemReport, action_pk: int) -> PlanAction:
    action = PlanAction.objects.filter(pk=action_pk, plan__report=report).first()
    if action is None:
        raise Http404
    return action


@login_required
@require_POST
def plan_action_remove(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    action = _action_or_404(report, action_pk)
    return _apply(
        request,
        report,
        forms.Form(request.POST),
        "action_form",
        lambda data: services.plan_action_remove(action=action, actor=request.user),
        _("Action removed."),
        "#plan",
    )


@login_required
@require_POST
def plan_action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    action = _action_or_404(report, action_pk)
    return _apply(
        request,
        report,
        ActionStatusForm(request.POST),
        "action_status_form",
        lambda data: services.plan_action_status_set(
            action=action, status=data["status"], actor=request.user
        ),
        _("Action updated."),
        "#plan",
    )


@login_required
@require_POST
def plan_propose(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        forms.Form(request.POST),
        "propose_form",
        lambda data: services.plan_propose(plan=_plan_or_409(report), actor=request.user),
        _("Plan proposed: the product director, R&D lead and quality lead decide."),
        "#plan",
    )


@login_required
@require_POST
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        DecisionForm(request.POST),
        "decision_form",
        lambda data: services.plan_decide(plan=_plan_or_409(report), actor=request.user, **data),
        _("Decision recorded."),
        "#approvals",
    )


@login_required
@require_POST
def verification_add(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        VerificationForm(request.POST),
        "verification_form",
        lambda data: services.verification_record(
            plan=_plan_or_409(report), actor=request.user, **data
        ),
        _("Verification recorded."),
        "#verification",
    )


@login_required
@require_POST
def plan_ship(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_or_404(request, pk)
    return _apply(
        request,
        report,
        forms.Form(request.POST),
        "ship_form",
        lambda data: services.plan_ship(plan=_plan_or_409(report), actor=request.user),
        _("Fix shipped: its customers are being told."),
        "#notices",
    )


urlpatterns = [
    path("suggestions/", suggestions, name="suggestions"),
    path("reports/", report_list, name="report_list"),
    path("reports/new/", report_create, name="report_create"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_update, name="report_update"),
    path("reports/<int:pk>/tickets/", report_tickets_add, name="report_tickets_add"),
    path(
        "reports/<int:pk>/tickets/<str:number>/remove/",
        report_ticket_remove,
        name="report_ticket_remove",
    ),
    path("reports/<int:pk>/status/", report_status, name="report_status"),
    path("reports/<int:pk>/plan/", plan_save, name="plan_save"),
    path("reports/<int:pk>/plan/actions/", plan_action_add, name="plan_action_add"),
    path(
        "reports/<int:pk>/plan/actions/<int:action_pk>/remove/",
        plan_action_remove,
        name="plan_action_remove",
    ),
    path(
        "reports/<int:pk>/plan/actions/<int:action_pk>/status/",
        plan_action_status,
        name="plan_action_status",
    ),
    path("reports/<int:pk>/plan/propose/", plan_propose, name="plan_propose"),
    path("reports/<int:pk>/plan/decide/", plan_decide, name="plan_decide"),
    path("reports/<int:pk>/plan/verify/", verification_add, name="verification_add"),
    path("reports/<int:pk>/plan/ship/", plan_ship, name="plan_ship"),
]
