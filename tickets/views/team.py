"""The team lead's page: workload per member, bulk reassign, the duty roster, ball-kicking."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.forms.team import BulkAssignForm, RosterForm
from tickets.models import Team
from tickets.selectors import team as selectors
from tickets.services import team as services


def _led_teams(request, code: str | None) -> tuple[list[Team], Team | None]:
    """The teams the user leads and the one asked for (the first when none is): 403 for a
    team they do not lead, 404 for one that does not exist."""
    if not request.user.has_perm("tickets.change_ticket"):
        raise PermissionDenied(_("Only team leads and managers have a team page."))
    teams = list(selectors.teams_led_by(user=request.user))
    if not code:
        return teams, (teams[0] if teams else None)
    team = next((team for team in teams if team.code == code), None)
    if team is None:
        if not Team.objects.filter(code=code).exists():
            raise Http404
        raise PermissionDenied(_("You do not lead this team."))
    return teams, team


def _week(value: str | None, now: datetime) -> date:
    """The Monday of the week asked for; an unreadable or missing one is this week."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        day = selectors.local_today(now)
    return selectors.week_start_of(day)


def _tickets_context(request, team: Team, now: datetime, bulk_form=None) -> dict:
    params = request.GET if request.method == "GET" else {}
    owner = params.get("owner", "")
    bulk_form = bulk_form or BulkAssignForm(team=team, user=request.user)
    return {
        "team": team,
        "now": now,
        "owner_filter": owner,
        "page": selectors.team_tickets_page(
            user=request.user, team=team, owner=owner, cursor=params.get("after")
        ),
        "bulk_form": bulk_form,
        "owners": bulk_form.fields["owner"].queryset,
    }


def _page_context(request, teams, team, *, now, week=None, bulk_form=None, roster_form=None):
    context = {"teams": teams, "team": team, "now": now}
    if team is None:
        return context
    week = week or selectors.week_start_of(selectors.local_today(now))
    ticked = roster_form.cleaned_data.get("shifts") if roster_form is not None else None
    return (
        context
        | _tickets_context(request, team, now, bulk_form)
        | {
            "workload": selectors.team_workload(team=team, now=now),
            "roster": selectors.roster_week(team=team, week_start=week, now=now, ticked=ticked),
            "roster_form": roster_form,
            "ball_kicking": (
                selectors.team_ball_kicking(team=team, now=now)
                if request.user.has_perm("tickets.view_all_tickets")
                else None
            ),
        }
    )


@login_required
@require_GET
def team_page(request):
    teams, team = _led_teams(request, request.GET.get("team"))
    now = timezone.now()
    if team is not None and request.htmx and request.htmx.target == "team-tickets":
        return render(request, "tickets/team/_tickets.html", _tickets_context(request, team, now))
    week = _week(request.GET.get("week"), now)
    context = _page_context(request, teams, team, now=now, week=week)
    return render(request, "tickets/team/page.html", context)


def _team_url(team: Team, **params) -> str:
    return f"{reverse('tickets:team')}?{urlencode({'team': team.code, **params})}"


@login_required
@require_POST
def team_bulk_assign(request, code: str):
    teams, team = _led_teams(request, code)
    form = BulkAssignForm(request.POST, team=team, user=request.user)
    if form.is_valid():
        try:
            result = services.tickets_bulk_assign(actor=request.user, **form.cleaned_data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except StaleTicket as exc:
            # Lost a race: the page as it is now, with why, so the lead chooses again (409).
            messages.error(request, str(exc))
            context = _page_context(request, teams, team, now=timezone.now())
            return render(request, "tickets/team/page.html", context, status=409)
        except DomainError as exc:
            form.add_error("tickets", str(exc))
        else:
            owner = form.cleaned_data["owner"]
            messages.success(
                request,
                ngettext(
                    "%(count)d ticket reassigned to %(owner)s.",
                    "%(count)d tickets reassigned to %(owner)s.",
                    result.assigned,
                )
                % {"count": result.assigned, "owner": owner},
            )
            return redirect(_team_url(team))
    context = _page_context(request, teams, team, now=timezone.now(), bulk_form=form)
    return render(request, "tickets/team/page.html", context, status=400)


@login_required
@require_POST
def team_roster_save(request, code: str):
    teams, team = _led_teams(request, code)
    form = RosterForm(request.POST)
    if form.is_valid():
        week = form.cleaned_data["week"]
        try:
            change = services.roster_set(
                team=team,
                week_start=week,
                assignments=form.cleaned_data["shifts"],
                actor=request.user,
                seen_version=form.cleaned_data["version"] or None,
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.StaleRoster as exc:
            messages.error(request, str(exc))
            context = _page_context(request, teams, team, now=timezone.now(), week=week)
            return render(request, "tickets/team/page.html", context, status=409)
        except DomainError as exc:
            form.add_error("shifts", str(exc))
        else:
            messages.success(
                request,
                _("Roster saved: %(added)d shifts added, %(removed)d removed.")
                % {"added": change.added, "removed": change.removed},
            )
            return redirect(_team_url(team, week=week.isoformat()) + "#roster")
    week = form.cleaned_data.get("week")
    context = _page_context(request, teams, team, now=timezone.now(), week=week, roster_form=form)
    return render(request, "tickets/team/page.html", context, status=400)


urlpatterns = [
    path("team/", team_page, name="team"),
    path("team/<slug:code>/assign/", team_bulk_assign, name="team_bulk_assign"),
    path("team/<slug:code>/roster/", team_roster_save, name="team_roster"),
]


def team_context(request, ticket) -> dict:
    """What the ticket page shows for this area: nothing (the team page is its own)."""
    return {}
