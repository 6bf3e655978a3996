"""Reads for the callback pages: permission-scoped here, with their joins, in fixed queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from feedback.models import CallbackTask
from tickets.models import OPEN_STATUSES, TicketEvent, User
from tickets.selectors.core import ticket_visible_to
from tickets.selectors.team import teams_led_by

CALLBACKS_LIMIT = 200
SECOND_HANDLING_LIMIT = 50


def _callback_scope(*, user: User) -> QuerySet[CallbackTask]:
    """Callbacks of tickets the user works: their teams' (everyone's for a manager)."""
    if not user.is_authenticated or not user.has_perm("tickets.transition_ticket"):
        return CallbackTask.objects.none()
    tickets = ticket_visible_to(user=user)
    if not user.has_perm("tickets.view_all_tickets"):
        tickets = tickets.filter(team__in=user.teams.all())
    return CallbackTask.objects.filter(ticket__in=tickets)


@dataclass(frozen=True)
class CallbackQueue:
    tasks: list[CallbackTask]
    total: int


def callbacks_open_for(*, user: User, limit: int = CALLBACKS_LIMIT) -> CallbackQueue:
    """Open callbacks of the user's teams, earliest due first: two queries, however many."""
    queryset = _callback_scope(user=user).filter(status=CallbackTask.Status.OPEN)
    tasks = list(
        queryset.select_related(
            "ticket", "ticket__customer", "ticket__team", "ticket__owner"
        ).order_by("due_at", "pk")[:limit]
    )
    total = len(tasks) if len(tasks) < limit else queryset.count()
    return CallbackQueue(tasks=tasks, total=total)


def callback_get_for_user(*, user: User, pk: int) -> CallbackTask | None:
    """One callback the user may record, with its ticket, customer, product and survey."""
    return (
        _callback_scope(user=user)
        .select_related(
            "ticket",
            "ticket__customer",
            "ticket__product",
            "ticket__team",
            "ticket__owner",
            "survey",
            "done_by",
        )
        .filter(pk=pk)
        .first()
    )


def second_handling_for_lead(
    *, user: User, limit: int = SECOND_HANDLING_LIMIT
) -> list[TicketEvent]:
    """The lead's channel for second handling: SECOND_HANDLING events of their teams' tickets
    still open, newest first (one query)."""
    teams = teams_led_by(user=user)
    return list(
        TicketEvent.objects.filter(
            verb=TicketEvent.Verb.SECOND_HANDLING,
            ticket__team__in=teams,
            ticket__status__in=OPEN_STATUSES,
        )
        .select_related("ticket", "ticket__owner")
        .order_by("-at", "-pk")[:limit]
    )
