"""Reads for one owner across departments: a ticket's sub-tasks and transfers, the team inbox,
and who may do what with them (one definition for the buttons shown and the services' checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import Permission
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from tickets.models import OPEN_STATUSES, SubTask, Team, Ticket, Transfer, User

# A sub-task asks another department for help with work in hand: the owner asks while
# working the ticket or while it already waits for help.
SUBTASK_REQUESTABLE = frozenset(
    {Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING_PARTS, Ticket.Status.WAITING_TECHNICAL}
)
# What an open ticket waits for while a sub-task of each kind is open.
WAITING_FOR = {
    SubTask.Kind.PARTS: Ticket.Status.WAITING_PARTS,
    SubTask.Kind.TECHNICAL: Ticket.Status.WAITING_TECHNICAL,
}
# The inbox is a work list, not an archive: a team with more than this many open items has a
# staffing problem the team lead's views show better than a longer page would.
INBOX_LIMIT = 200


@dataclass(frozen=True)
class DispatchRights:
    """What one user may do with sub-tasks and transfers, by role and team membership.

    State (open, pending) is the caller's check: a repeated action is a no-op for the one who
    may do it, and a refusal for anyone else.
    """

    user: User
    team_ids: frozenset[int]

    def _can(self, perm: str) -> bool:
        return self.user.has_perm(f"tickets.{perm}")

    def may_request_subtask(self, ticket: Ticket) -> bool:
        return self._can("transition_ticket") and ticket.status in SUBTASK_REQUESTABLE

    def may_work(self, subtask: SubTask) -> bool:
        """Take or complete: a member of the receiving team who works sub-tasks."""
        return self._can("work_subtask") and subtask.team_id in self.team_ids

    def may_cancel_subtask(self, subtask: SubTask, ticket: Ticket) -> bool:
        """The owner's side: the owner, whoever asked, or a lead (change_ticket)."""
        return self.user.pk in (ticket.owner_id, subtask.requested_by_id) or self._can(
            "change_ticket"
        )

    def may_request_transfer(self, ticket: Ticket) -> bool:
        return self._can("transition_ticket") and ticket.status in OPEN_STATUSES

    def may_decide(self, transfer: Transfer) -> bool:
        """Accept or decline: a worker of the target team, or a manager for any team."""
        return self._can("view_all_tickets") or (
            self._can("transition_ticket") and transfer.to_team_id in self.team_ids
        )

    def may_withdraw(self, transfer: Transfer, ticket: Ticket) -> bool:
        """Withdraw a pending transfer: whoever asked, the owner, or a lead."""
        return self.user.pk in (ticket.owner_id, transfer.requested_by_id) or self._can(
            "change_ticket"
        )

    def may_own_for(self, team_id: int) -> bool:
        """Accepting a transfer makes the acceptor the owner only as a worker of that team."""
        return self.user.is_active and self._can("transition_ticket") and team_id in self.team_ids


def dispatch_rights(*, user: User) -> DispatchRights:
    """The user's rights; one query for their teams (permissions are cached on the user)."""
    if not user.is_authenticated:
        return DispatchRights(user=user, team_ids=frozenset())
    return DispatchRights(user=user, team_ids=frozenset(user.teams.values_list("pk", flat=True)))


def due_state(*, due_at: datetime, since: datetime, now: datetime) -> str:
    """on_time, at_risk (under a quarter of the window left) or breached, as Ticket.sla_state."""
    if due_at < now:
        return "breached"
    return "at_risk" if (due_at - now) * 4 < (due_at - since) else "on_time"


def _with_state(subtasks: QuerySet[SubTask], now: datetime) -> list[SubTask]:
    rows = list(subtasks)
    for subtask in rows:
        subtask.due_state = (
            due_state(due_at=subtask.due_at, since=subtask.requested_at, now=now)
            if subtask.is_open
            else "none"
        )
    return rows


def ticket_subtasks(*, ticket: Ticket, now: datetime) -> list[SubTask]:
    """The ticket's sub-tasks, open ones first by due time, then the finished by recency."""
    subtasks = (
        ticket.subtasks.select_related("team", "assignee", "requested_by")
        .annotate(
            finished=Case(
                When(status__in=SubTask.OPEN_STATUSES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("finished", "due_at", "-requested_at", "pk")
    )
    return _with_state(subtasks, now)


def ticket_transfers(*, ticket: Ticket) -> list[Transfer]:
    """The ticket's transfers, newest first (the pending one, if any, is among them)."""
    return list(
        ticket.transfers.select_related(
            "from_team", "to_team", "requested_by", "decided_by"
        ).order_by("-requested_at", "-pk")
    )


def _acceptors() -> Q:
    """Teams with an active member who may take tickets (the permission directly or by role)."""
    permission = Permission.objects.filter(
        content_type__app_label="tickets", codename="transition_ticket"
    )
    return Q(members__is_active=True) & (
        Q(members__groups__permissions__in=permission) | Q(members__user_permissions__in=permission)
    )


def transfer_target_teams(*, ticket: Ticket) -> QuerySet[Team]:
    """Teams a ticket may be transferred to: not its own, and someone there can accept it."""
    return (
        Team.objects.filter(pk__in=Team.objects.filter(_acceptors()).values("pk"))
        .exclude(pk=ticket.team_id)
        .order_by("name")
    )


def subtask_target_teams(*, ticket: Ticket) -> QuerySet[Team]:
    """Teams a sub-task may go to: any but the ticket's own (its owner does that work)."""
    return Team.objects.exclude(pk=ticket.team_id).order_by("name")


def parts_team_default() -> Team | None:
    """The team whose members hold the warehouse role, to preselect for a parts request."""
    return (
        Team.objects.filter(members__groups__name="warehouse", members__is_active=True)
        .order_by("name")
        .first()
    )


@dataclass(frozen=True)
class Inbox:
    """A receiving team's work: its open sub-tasks and the transfers it has to decide."""

    subtasks: list[SubTask]
    transfers: list[Transfer]
    # Open sub-tasks other teams work on the user's own tickets: what blocks them.
    waiting_on_others: list[SubTask]
    teams: list[str]
    all_teams: bool


def team_inbox(*, user: User, rights: DispatchRights, now: datetime) -> Inbox:
    """Open sub-tasks of the user's teams by due time, and pending transfers to them.

    A fixed number of queries for any number of rows: one for the team names, one per list.
    A manager (view_all_tickets) without a team of their own sees every team's inbox.
    """
    all_teams = user.has_perm("tickets.view_all_tickets") and not rights.team_ids
    team_scope = Q() if all_teams else Q(team__in=rights.team_ids)
    subtasks = SubTask.objects.none()
    if user.has_perm("tickets.work_subtask"):
        subtasks = (
            SubTask.objects.filter(team_scope, status__in=SubTask.OPEN_STATUSES)
            .select_related("ticket__product", "team", "assignee", "requested_by")
            .order_by("due_at", "pk")[:INBOX_LIMIT]
        )
    transfers: QuerySet[Transfer] | list[Transfer] = []
    if user.has_perm("tickets.transition_ticket") or user.has_perm("tickets.view_all_tickets"):
        scope = Q() if all_teams else Q(to_team__in=rights.team_ids)
        transfers = (
            Transfer.objects.filter(scope, status=Transfer.Status.PENDING)
            .select_related("ticket__product", "from_team", "to_team", "requested_by")
            .order_by("requested_at", "pk")[:INBOX_LIMIT]
        )
    waiting = (
        SubTask.objects.filter(ticket__owner=user, status__in=SubTask.OPEN_STATUSES)
        .select_related("ticket__product", "team", "assignee", "requested_by")
        .order_by("requested_at", "pk")[:INBOX_LIMIT]
    )
    names: list[str] = []
    if not all_teams:
        teams = Team.objects.filter(pk__in=rights.team_ids).order_by("name")
        names = list(teams.values_list("name", flat=True))
    return Inbox(
        subtasks=_with_state(subtasks, now),
        transfers=list(transfers),
        waiting_on_others=_with_state(waiting, now),
        teams=names,
        all_teams=all_teams,
    )
