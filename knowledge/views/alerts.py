"""Early alerts and the monthly feedback analysis report: pages, acknowledge, generate, exports."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from knowledge.models import Alert, MonthlyReport
from knowledge.selectors import alerts as selectors
from knowledge.services.alerts import alert_acknowledge, alert_rules
from knowledge.services.monthly import monthly_report_build, monthly_report_labelled
from tickets.errors import DomainError
from tickets.selectors.core import ticket_visibility

ALERTS_PER_PAGE = 50
# The alert page lists the counted tickets; a bigger cluster is a problem report's job.
ALERT_TICKETS_SHOWN = 200


def _require(request, *perms: str) -> None:
    if not all(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied(_("You may not see the alerts and monthly reports."))


def _may_generate(user) -> bool:
    # The report counts every ticket: those who may see every ticket (managers) make it.
    return user.has_perm("knowledge.view_monthlyreport") and user.has_perm(
        "tickets.view_all_tickets"
    )


@login_required
@require_GET
def alert_list(request):
    _require(request, "knowledge.view_alert")
    state = request.GET.get("state", "open")
    if state not in selectors.ALERT_STATES:
        state = "open"
    page = Paginator(selectors.alert_list(state=state), ALERTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "state": state,
        "states": [
            ("open", _("Open")),
            ("acknowledged", _("Acknowledged")),
            ("all", _("All")),
        ],
        "counts": selectors.alert_counts_by_state(),
        "rules": alert_rules(),
        "may_acknowledge": request.user.has_perm("knowledge.change_alert"),
    }
    return render(request, "knowledge/alerts/list.html", context)


@login_required
@require_GET
def alert_detail(request, pk: int):
    _require(request, "knowledge.view_alert")
    alert = get_object_or_404(selectors.alert_list(state="all"), pk=pk)
    tickets = selectors.alert_tickets(alert=alert).select_related("product")
    visible = ticket_visibility(request.user)
    openable = set(
        tickets.filter(visible if visible is not None else Q()).values_list("pk", flat=True)
    )
    context = {
        "alert": alert,
        "tickets": tickets[:ALERT_TICKETS_SHOWN],
        "shown": ALERT_TICKETS_SHOWN,
        "openable": openable,
        "rules": alert_rules(),
        "may_acknowledge": request.user.has_perm("knowledge.change_alert"),
    }
    return render(request, "knowledge/alerts/detail.html", context)


@login_required
@require_POST
def alert_acknowledge_view(request, pk: int):
    _require(request, "knowledge.view_alert", "knowledge.change_alert")
    alert = get_object_or_404(Alert, pk=pk)
    alert_acknowledge(alert=alert, actor=request.user)
    messages.success(request, _("Alert acknowledged."))
    if request.POST.get("back") == "detail":
        return redirect("knowledge:alert_detail", pk=alert.pk)
    state = request.POST.get("state", "open")
    state = state if state in selectors.ALERT_STATES else "open"
    return redirect(f"{reverse('knowledge:alert_list')}?{urlencode({'state': state})}")


class GenerateForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"))

    def __init__(self, data=None, *, now: datetime):
        super().__init__(data)
        this_month = selectors.month_of(now)
        self.months = [this_month, selectors.month_shift(this_month, -1)]
        self.fields["month"].choices = [
            (m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m in self.months
        ]

    def month_first(self) -> date:
        return date.fromisoformat(f"{self.cleaned_data['month']}-01")


def _monthly_list_page(request, form: GenerateForm, status: int = 200):
    context = {
        "reports": selectors.monthly_report_list(),
        "form": form if _may_generate(request.user) else None,
    }
    return render(request, "knowledge/monthly/list.html", context, status=status)


@login_required
@require_GET
def monthly_list(request):
    _require(request, "knowledge.view_monthlyreport")
    return _monthly_list_page(request, GenerateForm(now=timezone.now()))


@login_required
@require_POST
def monthly_generate(request):
    _require(request, "knowledge.view_monthlyreport")
    if not _may_generate(request.user):
        raise PermissionDenied(_("Only managers generate monthly reports."))
    now = timezone.now()
    form = GenerateForm(request.POST, now=now)
    if not form.is_valid():
        return _monthly_list_page(request, form, status=400)
    try:
        report = monthly_report_build(month=form.month_first(), now=now, replace=True)
    except DomainError as error:
        form.add_error("month", str(error))
        return _monthly_list_page(request, form, status=error.http_status)
    messages.success(request, _("The report of %(month)s is up to date.") % {"month": report})
    return redirect("knowledge:monthly_detail", month=str(report))


def _report_for(request, month: str) -> MonthlyReport:
    _require(request, "knowledge.view_monthlyreport")
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404 from None
    report = selectors.monthly_report_get(month=first)
    if report is None:
        raise Http404
    return report


@login_required
@require_GET
def monthly_detail(request, month: str):
    report = _report_for(request, month)
    data = monthly_report_labelled(report.data)
    chart = {
        "subjects": [problem["subject"] for problem in data["problems"]],
        "this_month": [problem["count"] for problem in data["problems"]],
        "previous": [problem["previous_count"] for problem in data["problems"]],
        "labels": {"this_month": _("This month"), "previous": _("Previous month")},
        "height": 80 + 36 * len(data["problems"]),
    }
    context = {
        "report": report,
        "data": data,
        "chart": chart,
        "may_generate": _may_generate(request.user),
    }
    return render(request, "knowledge/monthly/detail.html", context)


@login_required
@require_GET
def monthly_excel(request, month: str):
    from knowledge import exports  # openpyxl loads on the first export, not in every worker

    report = _report_for(request, month)
    response = HttpResponse(
        exports.monthly_xlsx(monthly_report_labelled(report.data)),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="feedback-report-{report}.xlsx"'
    return response


@login_required
@require_GET
def monthly_pdf(request, month: str):
    from knowledge import exports  # reportlab loads on the first export, not in every worker

    report = _report_for(request, month)
    response = HttpResponse(
        exports.monthly_pdf(monthly_report_labelled(report.data)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="feedback-report-{report}.pdf"'
    return response


MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("alerts/", alert_list, name="alert_list"),
    path("alerts/<int:pk>/", alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", alert_acknowledge_view, name="alert_acknowledge"),
    path("reports/monthly/", monthly_list, name="monthly_list"),
    path("reports/monthly/generate/", monthly_generate, name="monthly_generate"),
    re_path(rf"^reports/monthly/{MONTH}/$", monthly_detail, name="monthly_detail"),
    re_path(rf"^reports/monthly/{MONTH}/excel/$", monthly_excel, name="monthly_excel"),
    re_path(rf"^reports/monthly/{MONTH}/pdf/$", monthly_pdf, name="monthly_pdf"),
]
