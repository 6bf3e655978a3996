"""Reads for the team lead's page: the teams a user leads, their workload, roster and transfers.

Every figure is counted in PostgreSQL with correlated subqueries or conditional counts, so a
page costs the same few queries whatever the number of members and tickets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Permission
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets.models import (
    OPEN_STATUSES,
    DutyShift,
    SubTask,
    Team,
    Ticket,
    Transfer,
    User,
    Visit,
    due_key_expression,
)
from tickets.selectors.core import (
    BREACHING_SOON_WINDOW,
    KeysetPage,
    ticket_queue_page,
    ticket_visible_to,
)

TEAM_TICKETS_PAGE_SIZE = 50
# "Ball-kicking": tickets passed on this many times or more, over this many days.
BALL_KICKING_MIN_TRANSFERS = 2
BALL_KICKING_DAYS = 30
BALL_KICKING_LIST = 20
# The bulk list's owner filter value for tickets nobody owns.
UNASSIGNED = "none"


def local_today(now: datetime) -> date:
    """The Asia/Shanghai date of a moment, whatever time zone a request activated."""
    return timezone.localdate(now, timezone.get_default_timezone())


def week_start_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def teams_led_by(*, user: User) -> QuerySet[Team]:
    """Team leads (change_ticket) lead their own teams; managers (view_all_tickets) every team."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if not user.has_perm("tickets.change_ticket"):
        return Team.objects.none()
    if user.has_perm("tickets.view_all_tickets"):
        return Team.objects.order_by("name")
    return Team.objects.filter(members=user).order_by("name")


def may_own_tickets() -> Q:
    """Users that ticket_assign accepts as owners (transition_ticket, as has_perm answers it),
    as a filter of EXISTS clauses: no join, so no duplicated rows under counts."""
    permission = Permission.objects.filter(
        content_type__app_label="tickets", codename="transition_ticket"
    )
    by_group = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__permissions__in=permission
    )
    by_user = User.user_permissions.through.objects.filter(
        user_id=OuterRef("pk"), permission__in=permission
    )
    return Q(is_active=True) & (Q(is_superuser=True) | Exists(by_group) | Exists(by_user))


def team_owner_choices(*, team: Team) -> QuerySet[User]:
    """The team's members who may take its tickets: the bulk reassign's picker."""
    return User.objects.filter(may_own_tickets(), teams=team).order_by("display_name", "username")


def _count_of(queryset: QuerySet, field: str) -> Coalesce:
    """COUNT(*) of the rows of `queryset` whose `field` is the outer user, as a subquery."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class MemberLoad:
    member: User
    open_tickets: int
    in_team: int
    overdue: int
    breaching_soon: int
    open_subtasks: int
    visits_today: int
    on_duty_today: bool
    can_own: bool


@dataclass(frozen=True)
class TeamWorkload:
    members: list[MemberLoad]
    open_tickets: int
    overdue: int
    breaching_soon: int
    unassigned: int
    unassigned_overdue: int
    # Whether "on duty today" comes from today's roster or, with none, the on-duty flags.
    rostered_today: bool
    today: date


def team_workload(*, team: Team, now: datetime) -> TeamWorkload:
    """Per active member, in one query: their open tickets in any team (the load intake's
    auto-assignment balances), of which overdue (next due time past, as Ticket.sla_state's
    "breached"), breaching soon (due within BREACHING_SOON_WINDOW, not yet past) and in this
    team; their open sub-tasks, today's visits not cancelled, and whether they are on duty
    today as intake sees it. The team's own open and unassigned tickets in a second query."""
    today = local_today(now)
    soon = now + BREACHING_SOON_WINDOW
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).alias(
        due_key=due_key_expression()
    )
    rostered = DutyShift.objects.filter(team=team, date=today)
    members = (
        User.objects.filter(teams=team, is_active=True)
        .annotate(
            open_count=_count_of(open_tickets, "owner"),
            in_team_count=_count_of(open_tickets.filter(team=team), "owner"),
            overdue_count=_count_of(open_tickets.filter(due_key__lt=now), "owner"),
            soon_count=_count_of(open_tickets.filter(due_key__gte=now, due_key__lte=soon), "owner"),
            subtask_count=_count_of(
                SubTask.objects.filter(status__in=SubTask.OPEN_STATUSES), "assignee"
            ),
            visit_count=_count_of(
                Visit.objects.filter(date=today).exclude(status=Visit.Status.CANCELLED),
                "engineer",
            ),
            on_roster=Exists(rostered.filter(user=OuterRef("pk"))),
            team_rostered=Exists(rostered),
            can_own=ExpressionWrapper(may_own_tickets(), output_field=BooleanField()),
        )
        .order_by("display_name", "username")
    )
    loads, rostered_today = [], False
    for member in members:
        rostered_today = member.team_rostered
        loads.append(
            MemberLoad(
                member=member,
                open_tickets=member.open_count,
                in_team=member.in_team_count,
                overdue=member.overdue_count,
                breaching_soon=member.soon_count,
                open_subtasks=member.subtask_count,
                visits_today=member.visit_count,
                on_duty_today=member.on_roster if member.team_rostered else member.on_duty,
                can_own=member.can_own,
            )
        )
    overdue, unassigned = Q(due_key__lt=now), Q(owner__isnull=True)
    totals = open_tickets.filter(team=team).aggregate(
        open_tickets=Count("pk"),
        overdue=Count("pk", filter=overdue),
        breaching_soon=Count("pk", filter=Q(due_key__gte=now, due_key__lte=soon)),
        unassigned=Count("pk", filter=unassigned),
        unassigned_overdue=Count("pk", filter=unassigned & overdue),
    )
    return TeamWorkload(members=loads, rostered_today=rostered_today, today=today, **totals)


def team_open_tickets(*, user: User, team: Team, owner: str | None = None) -> QuerySet[Ticket]:
    """The team's open tickets the user sees, with due_key, for the bulk reassign list;
    `owner` narrows it to one member's (their id) or to nobody's (UNASSIGNED)."""
    tickets = (
        ticket_visible_to(user=user)
        .filter(team=team, status__in=OPEN_STATUSES)
        .annotate(due_key=due_key_expression())
        .select_related("owner", "product")
    )
    if owner == UNASSIGNED:
        return tickets.filter(owner__isnull=True)
    if owner and owner.isdigit():
        return tickets.filter(owner_id=int(owner))
    return tickets


def team_tickets_page(
    *, user: User, team: Team, owner: str | None = None, cursor: str | None = None
) -> KeysetPage:
    """One page of team_open_tickets, nearest due first: one query."""
    return ticket_queue_page(
        tickets=team_open_tickets(user=user, team=team, owner=owner),
        cursor=cursor,
        size=TEAM_TICKETS_PAGE_SIZE,
    )


@dataclass(frozen=True)
class RosterCell:
    value: str
    day: date
    on: bool
    editable: bool


@dataclass(frozen=True)
class RosterWeek:
    team: Team
    week_start: date
    today: date
    days: list[date]
    rows: list[tuple[User, list[RosterCell]]]
    # Who was on the roster as the page showed it: a save from an older page is stale.
    version: str

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def editable(self) -> bool:
        return self.days[-1] >= self.today


def shift_value(user_id: int, day: date) -> str:
    """A roster cell as the grid posts it."""
    return f"{user_id}:{day.isoformat()}"


def roster_version(*, team: Team, week_start: date) -> str:
    """A short fingerprint of the team's roster rows of that week."""
    rows = DutyShift.objects.filter(
        team=team, date__range=(week_start, week_start + timedelta(days=6))
    ).values_list("user_id", "date")
    return _fingerprint(rows)


def _fingerprint(rows) -> str:
    text = ",".join(sorted(shift_value(user_id, day) for user_id, day in rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def roster_week(
    *,
    team: Team,
    week_start: date,
    now: datetime,
    ticked: Iterable[tuple[int, date]] | None = None,
) -> RosterWeek:
    """The week's grid, members × Monday–Sunday, in two queries; days before today are history
    and not editable. `ticked` shows a refused form's cells instead of the saved ones."""
    today = local_today(now)
    days = [week_start + timedelta(days=offset) for offset in range(7)]
    rows = list(
        DutyShift.objects.filter(team=team, date__range=(days[0], days[-1])).values_list(
            "user_id", "date"
        )
    )
    shifts = set(rows) if ticked is None else set(ticked)
    members = User.objects.filter(teams=team, is_active=True).order_by("display_name", "username")
    grid = [
        (
            member,
            [
                RosterCell(
                    shift_value(member.pk, day), day, (member.pk, day) in shifts, day >= today
                )
                for day in days
            ],
        )
        for member in members
    ]
    return RosterWeek(
        team=team,
        week_start=week_start,
        today=today,
        days=days,
        rows=grid,
        version=_fingerprint(rows),
    )


@dataclass(frozen=True)
class BallKicking:
    days: int
    tickets: int
    transfers: int
    average: float | None
    kicked: int
    # Every ticket received in the same window, for comparison.
    overall_average: float | None
    rows: list[Ticket]


def held_by_team(team: Team) -> Q:
    """Tickets the team has or had: its own now, or passed through it by an accepted transfer.
    A team that passes tickets on is counted for them, not only the team that ends up with them."""
    passed = Transfer.objects.filter(ticket=OuterRef("pk"), status=Transfer.Status.ACCEPTED).filter(
        Q(from_team=team) | Q(to_team=team)
    )
    return Q(team=team) | Exists(passed)


def team_ball_kicking(*, team: Team, now: datetime) -> BallKicking:
    """Of the tickets received in the last BALL_KICKING_DAYS days that the team held: how many,
    their transfers (Ticket.transfer_count) in total and per ticket, and those transferred
    BALL_KICKING_MIN_TRANSFERS times or more (the list: most transferred first). Two queries."""
    recent = Ticket.objects.filter(received_at__gte=now - timedelta(days=BALL_KICKING_DAYS))
    held = held_by_team(team)
    kicked = Q(transfer_count__gte=BALL_KICKING_MIN_TRANSFERS)
    figures = recent.aggregate(
        tickets=Count("pk", filter=held),
        transfers=Coalesce(Sum("transfer_count", filter=held), 0, output_field=IntegerField()),
        kicked=Count("pk", filter=held & kicked),
        overall_average=Avg("transfer_count"),
    )
    rows = list(
        recent.filter(held, kicked)
        .select_related("team", "owner")
        .order_by("-transfer_count", "-received_at")[:BALL_KICKING_LIST]
    )
    count = figures["tickets"]
    overall = figures["overall_average"]
    return BallKicking(
        days=BALL_KICKING_DAYS,
        tickets=count,
        transfers=figures["transfers"],
        average=round(figures["transfers"] / count, 2) if count else None,
        kicked=figures["kicked"],
        overall_average=round(float(overall), 2) if overall is not None else None,
        rows=rows,
    )
