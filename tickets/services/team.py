"""Writes of the team lead: many tickets to one member at once, and the week's duty roster."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.models import OPEN_STATUSES, DutyShift, Team, Ticket, User
from tickets.selectors.team import local_today, roster_version, teams_led_by
from tickets.services.core import ticket_assign

logger = logging.getLogger(__name__)


class StaleRoster(DomainError):
    """The roster form was filled in on a version of the week someone has changed since."""

    code = "stale_roster"
    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this week's roster a moment ago: look at it again and "
                "make your changes on the current one."
            )
        )


@dataclass(frozen=True)
class BulkAssignment:
    assigned: int
    # Already with that owner: left as they were, no event.
    unchanged: int


def _led_team_ids(actor: User) -> set[int]:
    return set(teams_led_by(user=actor).values_list("pk", flat=True))


@transaction.atomic
def tickets_bulk_assign(
    *,
    tickets: Iterable[Ticket],
    owner: User,
    actor: User,
    now: datetime | None = None,
    seen_at: datetime | None = None,
) -> BulkAssignment:
    """Give many tickets one owner: all of them or, if anything is wrong, none.

    1. The actor changes tickets (change_ticket); there is at least one ticket.
    2. Lock the tickets in id order (two bulk moves never deadlock). With `seen_at` (when the
       lead's page was drawn), a ticket changed since makes the request StaleTicket (409):
       a ticket moved to another team meanwhile is a lost race, not a trespass.
       Each must then be in a team the actor leads, and open.
    3. The owner is an active member of every ticket's team who may own tickets.
    4. Each ticket goes through ticket_assign, which writes its "assigned" event.
    """
    now = now or timezone.now()
    if not actor.has_perm("tickets.change_ticket"):
        raise PermissionDeniedError(_("You may not reassign tickets."))
    pks = sorted({ticket.pk for ticket in tickets})
    if not pks:
        raise DomainError(_("Choose at least one ticket."))
    locked = list(Ticket.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
    if len(locked) != len(pks):
        raise DomainError(_("Some of the chosen tickets no longer exist."))
    if seen_at is not None and any(ticket.updated_at > seen_at for ticket in locked):
        raise StaleTicket()
    led = _led_team_ids(actor)
    foreign = sum(1 for ticket in locked if ticket.team_id not in led)
    if foreign:
        raise PermissionDeniedError(
            ngettext(
                "%(count)d of the chosen tickets is not in a team you lead: nothing was "
                "reassigned.",
                "%(count)d of the chosen tickets are not in a team you lead: nothing was "
                "reassigned.",
                foreign,
            )
            % {"count": foreign}
        )
    closed = sum(1 for ticket in locked if ticket.status not in OPEN_STATUSES)
    if closed:
        raise DomainError(
            ngettext(
                "%(count)d of the chosen tickets is resolved or closed: nothing was reassigned.",
                "%(count)d of the chosen tickets are resolved or closed: nothing was reassigned.",
                closed,
            )
            % {"count": closed}
        )
    _check_owner(owner=owner, team_ids={ticket.team_id for ticket in locked})
    assigned = 0
    for ticket in locked:
        if ticket.owner_id != owner.pk:
            ticket_assign(ticket=ticket, owner=owner, actor=actor, now=now)
            assigned += 1
    return BulkAssignment(assigned=assigned, unchanged=len(locked) - assigned)


def _check_owner(*, owner: User, team_ids: set[int]) -> None:
    if not owner.is_active or not owner.has_perm("tickets.transition_ticket"):
        raise DomainError(_("%(user)s cannot own tickets.") % {"user": owner})
    if not team_ids <= set(owner.teams.values_list("pk", flat=True)):
        raise DomainError(
            _("%(user)s is not a member of the chosen tickets' team.") % {"user": owner}
        )


@dataclass(frozen=True)
class RosterChange:
    added: int
    removed: int


@transaction.atomic
def roster_set(
    *,
    team: Team,
    week_start: date,
    assignments: Iterable[tuple[User | int, date]],
    actor: User,
    now: datetime | None = None,
    seen_version: str | None = None,
) -> RosterChange:
    """Replace the team's duty roster for one week (Monday to Sunday) with `assignments`.

    1. The actor leads the team; the week starts on a Monday.
    2. Every assignment is an active member of the team on a day of that week, and not before
       today (Asia/Shanghai): past days are history, kept as they were.
    3. Lock the team row, so two leads saving the same roster take turns; with
       `seen_version` (the roster the form showed) a roster changed since is StaleRoster (409).
    4. Delete the week's rows from today on and insert the new ones; log who changed what.
    """
    now = now or timezone.now()
    if team.pk not in _led_team_ids(actor):
        raise PermissionDeniedError(_("You may not change this team's roster."))
    if week_start.weekday() != 0:
        raise DomainError(_("A roster week starts on a Monday."))
    today = local_today(now)
    week_end = week_start + timedelta(days=6)
    wanted = {(getattr(user, "pk", user), day) for user, day in assignments}
    if any(not week_start <= day <= week_end for _user, day in wanted):
        raise DomainError(_("Every shift must fall in the week being saved."))
    if any(day < today for _user, day in wanted):
        raise DomainError(_("Days before today are history and cannot be changed."))
    members = set(User.objects.filter(teams=team, is_active=True).values_list("pk", flat=True))
    if strangers := {user for user, _day in wanted} - members:
        raise DomainError(
            ngettext(
                "%(count)d person on the roster is not an active member of this team.",
                "%(count)d people on the roster are not active members of this team.",
                len(strangers),
            )
            % {"count": len(strangers)}
        )
    Team.objects.select_for_update().get(pk=team.pk)
    if seen_version is not None and seen_version != roster_version(
        team=team, week_start=week_start
    ):
        raise StaleRoster()
    first = max(week_start, today)
    editable = DutyShift.objects.filter(team=team, date__range=(first, week_end))
    current = set(editable.values_list("user_id", "date"))
    editable.delete()
    DutyShift.objects.bulk_create(
        DutyShift(team=team, user_id=user, date=day) for user, day in sorted(wanted)
    )
    change = RosterChange(added=len(wanted - current), removed=len(current - wanted))
    logger.info(
        "roster of %s for the week of %s set by %s: %d added, %d removed",
        team.code,
        week_start,
        actor.pk,
        change.added,
        change.removed,
    )
    return change
