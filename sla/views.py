"""The managers' SLA dashboard: a page, its auto-refreshing panel, and the Excel export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sla import dashboard
from sla.selectors import calendar_gaps_ahead


def _require_dashboard(request) -> None:
    # Team leads (their teams), managers and admins (everything): those who change tickets.
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied


def _trend_chart(trend: list[dict]) -> dict:
    return {
        "days": [row["day"].strftime("%m-%d") for row in trend],
        "first_contact": [row["first_contact"].percent for row in trend],
        "resolve": [row["resolve"].percent for row in trend],
        "labels": {
            "first_contact": _("First-contact target"),
            "resolve": _("Resolution target"),
        },
    }


def _page_context(context: dict) -> dict:
    """The same figures shaped for the template (rows in display order)."""
    return {
        **context,
        "compliance_rows": [
            (tier, [windows[key] for key, _label in dashboard.WINDOWS])
            for tier, windows in context["compliance"].items()
        ],
        "backlog_rows": [
            (tier, [counts[key] for key, *_rest in dashboard.AGE_BUCKETS])
            for tier, counts in context["backlog"].items()
        ],
        "groups": [
            (_("Compliance by team (30 days)"), context["by_team"], _("Team")),
            (_("Compliance by owner (30 days)"), context["by_agent"], _("Owner")),
        ],
        "trend_chart": _trend_chart(context["trend"]),
    }


def _context(request) -> dict:
    now = timezone.now()
    return {
        **dashboard.dashboard_snapshot(request.user, now=now),
        "windows": dashboard.WINDOWS,
        "age_buckets": dashboard.AGE_BUCKETS,
        "calendar_gaps": calendar_gaps_ahead(now),
    }


@login_required
@require_GET
def sla_dashboard(request):
    _require_dashboard(request)
    template = "sla/_panel.html" if request.htmx else "sla/dashboard.html"
    return render(request, template, _page_context(_context(request)))


@login_required
@require_GET
def sla_export(request):
    _require_dashboard(request)
    context = _context(request)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime(context["now"]).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="sla-{stamp}.xlsx"'
    from sla.export import dashboard_workbook  # openpyxl loads on the first export only

    dashboard_workbook(context).save(response)
    return response
