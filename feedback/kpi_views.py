"""The KPI dashboard (issue 7 §5): a page of figures against the seeds' targets, and its Excel."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from feedback import kpis
from tickets.models import Ticket, User


class KpiFilterForm(forms.Form):
    """What to count: the period (granularity and a day in it), whose tickets, how far back."""

    granularity = forms.ChoiceField(
        label=gettext_lazy("Period"), choices=list(kpis.GRANULARITIES.items()), required=False
    )
    on = forms.DateField(
        label=gettext_lazy("Including the day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Whose tickets"), required=False)
    periods = forms.IntegerField(
        label=gettext_lazy("Periods in the trend"),
        min_value=2,
        max_value=kpis.TREND_MAX,
        required=False,
    )

    def __init__(self, data, *, user: User, today: date):
        super().__init__(data)
        self.today = today
        self.teams = list(kpis.kpi_teams_for(user))
        self.agents = list(kpis.kpi_agents_for(user))
        self.fields["scope"].choices = [
            ("", _("All tickets I may see")),
            (_("Team"), [(f"team:{team.pk}", team.name) for team in self.teams]),
            (_("Agent (owner)"), [(f"agent:{agent.pk}", str(agent)) for agent in self.agents]),
        ]

    def clean_on(self) -> date:
        day = self.cleaned_data["on"] or self.today
        if day > self.today:
            raise forms.ValidationError(_("Choose a day up to today."))
        return day

    def period(self) -> kpis.Period:
        granularity = self.cleaned_data["granularity"] or "month"
        return kpis.period_of(granularity=granularity, day=self.cleaned_data["on"])

    def trend_count(self) -> int:
        granularity = self.cleaned_data["granularity"] or "month"
        return self.cleaned_data["periods"] or kpis.TREND_PERIODS[granularity]

    def scoped(self, tickets: QuerySet[Ticket]) -> tuple[QuerySet[Ticket], str]:
        """The tickets of the chosen team or owner, and how to name that scope."""
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        if kind == "team":
            team = next(team for team in self.teams if str(team.pk) == pk)
            return tickets.filter(team=team), _("Team %(name)s") % {"name": team.name}
        if kind == "agent":
            agent = next(agent for agent in self.agents if str(agent.pk) == pk)
            return tickets.filter(owner=agent), _("Agent %(name)s") % {"name": agent}
        return tickets, _("All tickets I may see")


def _require_dashboard(request) -> None:
    # Team leads (their teams), managers (everything): those who change tickets.
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied


def _with_defaults(query, today: date) -> dict:
    """The query string over the defaults (this month, six months back), so the form shows
    what is counted."""
    granularity = query.get("granularity")
    trend = kpis.TREND_PERIODS.get(granularity, kpis.TREND_PERIODS["month"])
    return {"granularity": "month", "on": today.isoformat(), "periods": trend, **query.dict()}


def _compute(request, now: datetime) -> tuple[KpiFilterForm, dict | None]:
    today = timezone.localdate(now, timezone.get_default_timezone())
    form = KpiFilterForm(_with_defaults(request.GET, today), user=request.user, today=today)
    if not form.is_valid():
        return form, None
    tickets, scope_label = form.scoped(kpis.kpi_tickets_for(request.user))
    dashboard = kpis.kpi_dashboard_figures(
        tickets=tickets, period=form.period(), trend_count=form.trend_count(), now=now
    )
    return form, {"dashboard": dashboard, "scope_label": scope_label}


@login_required
@require_GET
def kpi_dashboard(request):
    _require_dashboard(request)
    form, figures = _compute(request, timezone.now())
    context = {"form": form, **(figures or {})}
    if figures:
        context["charts"] = _charts(figures["dashboard"])
        context["query"] = request.GET.urlencode()
    return render(request, "feedback/kpis/dashboard.html", context, status=200 if figures else 400)


@login_required
@require_GET
def kpi_export(request):
    _require_dashboard(request)
    form, figures = _compute(request, timezone.now())
    if figures is None:
        return render(request, "feedback/kpis/dashboard.html", {"form": form}, status=400)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    period = figures["dashboard"].period
    response["Content-Disposition"] = f'attachment; filename="kpis-{period.label}.xlsx"'
    from feedback.kpi_export import kpi_workbook  # openpyxl loads on the first export only

    kpi_workbook(**figures).save(response)
    return response


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _charts(dashboard: kpis.Dashboard) -> dict:
    """The trend and the mix as the ECharts script (static/js/kpis.js) draws them."""
    trend = [figures for _period, figures in dashboard.trend]
    mix = dashboard.mix
    return {
        "periods": [period.label for period, _figures in dashboard.trend],
        "series": {
            "fcr": [_rounded(f.fcr_rate) for f in trend],
            "satisfied": [_rounded(f.satisfied_share) for f in trend],
            "callbacks": [_rounded(f.callback_rate) for f in trend],
            "repeat": [_rounded(f.repeat_rate) for f in trend],
            "csat": [_rounded(f.satisfaction_avg, 2) for f in trend],
            "nps": [_rounded(f.nps) for f in trend],
            "fr_median": [_rounded(f.first_response_median_hours, 2) for f in trend],
            "fr_p90": [_rounded(f.non_urgent_p90_hours, 2) for f in trend],
            "resolution": [_rounded(f.resolution_avg_hours) for f in trend],
        },
        "targets": {
            "fcr": kpis.FCR_TARGET,
            "csat": kpis.CSAT_TARGET,
            "first_response": kpis.hours(kpis.FIRST_RESPONSE_TARGET),
        },
        "labels": {
            "fcr": _("First-contact resolution"),
            "satisfied": _("Share satisfied (4–5)"),
            "callbacks": _("Callbacks done"),
            "repeat": _("Repeat complaints"),
            "csat": _("Average satisfaction"),
            "nps": _("NPS"),
            "fr_median": _("First response, median (h)"),
            "fr_p90": _("First response, non-urgent p90 (h)"),
            "resolution": _("Average resolution time (h)"),
            "target": _("Target"),
        },
        "mix": {
            key: [{"name": row.label, "value": row.count} for row in rows if row.count]
            for key, rows in (
                ("view", mix.by_view),
                ("category", mix.by_category),
                ("channel", mix.by_channel),
            )
        },
    }
