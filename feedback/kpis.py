"""The KPI dashboard's figures (issue 7 §5): reads over querysets and explicit periods.

Every figure is counted in PostgreSQL. A dashboard is FIGURE_QUERIES queries whatever the
number of tickets: one grouped query per cohort (tickets received, tickets resolved, surveys
answered, callbacks due) and breakdown (period, team, owner), one for first response by tier
and one for the complaint mix. Percentiles are PostgreSQL's percentile_cont (interpolated).
The words beside each figure on the page and in the workbook are DEFINITIONS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, NullIf, Trunc
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import CallbackTask, Survey
from tickets.models import Team, Ticket, TicketEvent, TicketTag, User

# The seeds' targets: CSAT ≥ 4.2 / 5, FCR ≥ 85 %, first response ≤ 2 h for non-urgent work
# (read as: nine in ten non-urgent tickets contacted within 2 h, i.e. p90 ≤ 2 h).
CSAT_TARGET = 4.2
FCR_TARGET = 85.0
FIRST_RESPONSE_TARGET = timedelta(hours=2)
# Non-urgent work: every tier but L1 (which promises contact within the hour).
NON_URGENT = Q(tier__in=[Ticket.Tier.L2, Ticket.Tier.L3, Ticket.Tier.S])

GRANULARITIES = {"week": _("Week"), "month": _("Month"), "quarter": _("Quarter")}
# How many periods the trend charts show by default, ending with the chosen one.
TREND_PERIODS = {"week": 12, "month": 6, "quarter": 4}
TREND_MAX = 24
# One dashboard: 4 cohorts × 3 breakdowns, first response by tier, the complaint mix.
FIGURE_QUERIES = 14

# Seed 002's view of complaints: product use 45 %, service attitude 30 %, response speed 25 %.
# A ticket carrying (and not rejected) one of these tags complains about how long we took,
# whatever its category; otherwise its category decides.
RESPONSE_SPEED_TAGS = (
    "service-slow",  # 响应慢
    "service-no-callback",  # 答应回电未回
    "service-late",  # 上门迟到
    "install-delay",  # 安装延误
    "parts-delivery",  # 发货延误
)
SEED_VIEW = {
    "product_use": _("Product use"),
    "service_attitude": _("Service attitude"),
    "response_speed": _("Response speed"),
    "suggestion": _("Suggestions (outside the three)"),
}
SEED_VIEW_OF_CATEGORY = {
    Ticket.Category.USAGE: "product_use",
    Ticket.Category.QUALITY: "product_use",
    Ticket.Category.INSTALLATION: "product_use",
    Ticket.Category.SERVICE: "service_attitude",
    Ticket.Category.SUGGESTION: "suggestion",
}

DEFINITIONS = {
    "first_response": _(
        "Tickets received in the period that have been contacted: the wall-clock time from "
        "receipt to the first contact (the ticket's move to “contacted”), median and 90th "
        "percentile (interpolated). Tickets not contacted yet are left out and counted "
        "separately. Target: non-urgent work (L2, L3, suggestions) has a 90th percentile of "
        "at most 2 h, i.e. nine in ten within 2 h."
    ),
    "fcr": _(
        "Tickets whose (latest) resolution falls in the period, resolved at the first "
        "contact: never reopened, and at most one call logged as “reached the customer” up to "
        "the resolution. Calls that did not reach the customer do not count as contacts. "
        "Rate = such tickets ÷ tickets resolved. Target: at least 85 %."
    ),
    "csat": _(
        "Satisfaction surveys answered in the period (by link or on the callback call): the "
        "average score (1–5) and the share of answers scoring 4 or 5. Target: an average of "
        "at least 4.2."
    ),
    "nps": _(
        "Among the survey answers of the period that gave a 0–10 recommendation score: % "
        "promoters (9–10) minus % detractors (0–6), from −100 to 100."
    ),
    "repeat": _(
        "Tickets received in the period that repeat a complaint (the same customer, product "
        "and problem category within 30 days, linked at intake) ÷ tickets received."
    ),
    "resolution": _(
        "Tickets whose (latest) resolution falls in the period: the average wall-clock time "
        "from receipt to resolution, time waiting for the customer included."
    ),
    "callbacks": _(
        "Satisfaction callbacks due in the period (up to now) that are done ÷ callbacks due."
    ),
    "mix": _(
        "Tickets received in the period, by problem category and by channel. Seed 002's view: "
        "“response speed” is a ticket tagged 响应慢, 答应回电未回, 上门迟到, 安装延误 or 发货延误 "
        "(a rejected tag does not count); otherwise “product use” is a usage, quality or "
        "installation problem and “service attitude” a service problem; suggestions stand "
        "apart."
    ),
}


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def hours(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


# Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A week (Monday first, as ISO), month or quarter of Shanghai calendar days."""

    granularity: str
    first_day: date
    next_first_day: date  # exclusive

    @property
    def start(self) -> datetime:
        return _local_midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _local_midnight(self.next_first_day)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.granularity == "week":
            year, week, _day = self.first_day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.granularity == "month":
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.year}-Q{(self.first_day.month - 1) // 3 + 1}"

    def previous(self) -> Period:
        return period_of(granularity=self.granularity, day=self.first_day - timedelta(days=1))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_of(*, granularity: str, day: date) -> Period:
    """The week, month or quarter that holds `day`."""
    if granularity == "week":
        first = day - timedelta(days=day.weekday())
        return Period(granularity, first, first + timedelta(days=7))
    months = 1 if granularity == "month" else 3
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}")
    first_month = day.month if months == 1 else (day.month - 1) // 3 * 3 + 1
    return Period(
        granularity,
        _month_start(day.year, first_month),
        _month_start(day.year, first_month + months),
    )


def periods_until(last: Period, count: int) -> list[Period]:
    """`count` consecutive periods ending with `last`, oldest first."""
    periods = [last]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


# Figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Every KPI of one group (a period, a team, an owner), with the counts behind it."""

    received: int = 0
    repeats: int = 0
    contacted: int = 0
    first_response_median: timedelta | None = None
    first_response_p90: timedelta | None = None
    non_urgent_contacted: int = 0
    non_urgent_within_target: int = 0
    non_urgent_p90: timedelta | None = None
    resolved: int = 0
    first_contact_resolved: int = 0
    resolution_avg: timedelta | None = None
    answered: int = 0
    satisfaction_avg: float | None = None
    satisfied: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    callbacks_due: int = 0
    callbacks_done: int = 0

    @property
    def repeat_rate(self) -> float | None:
        return _percent(self.repeats, self.received)

    @property
    def fcr_rate(self) -> float | None:
        return _percent(self.first_contact_resolved, self.resolved)

    @property
    def satisfied_share(self) -> float | None:
        return _percent(self.satisfied, self.answered)

    @property
    def nps(self) -> float | None:
        if not self.nps_answers:
            return None
        return 100 * (self.promoters - self.detractors) / self.nps_answers

    @property
    def callback_rate(self) -> float | None:
        return _percent(self.callbacks_done, self.callbacks_due)

    @property
    def non_urgent_within_share(self) -> float | None:
        return _percent(self.non_urgent_within_target, self.non_urgent_contacted)

    # In hours, for the page, the charts and the workbook.
    @property
    def first_response_median_hours(self) -> float | None:
        return hours(self.first_response_median)

    @property
    def first_response_p90_hours(self) -> float | None:
        return hours(self.first_response_p90)

    @property
    def non_urgent_p90_hours(self) -> float | None:
        return hours(self.non_urgent_p90)

    @property
    def resolution_avg_hours(self) -> float | None:
        return hours(self.resolution_avg)

    # Against the seeds' targets: None while there is nothing to judge.
    @property
    def csat_met(self) -> bool | None:
        return None if self.satisfaction_avg is None else self.satisfaction_avg >= CSAT_TARGET

    @property
    def fcr_met(self) -> bool | None:
        rate = self.fcr_rate
        return None if rate is None else rate >= FCR_TARGET

    @property
    def first_response_met(self) -> bool | None:
        p90 = self.non_urgent_p90
        return None if p90 is None else p90 <= FIRST_RESPONSE_TARGET


@dataclass(frozen=True)
class Group:
    key: int | None
    name: str
    figures: Figures


@dataclass(frozen=True)
class TierResponse:
    tier: str
    label: str
    contacted: int
    waiting: int
    median: timedelta | None
    p90: timedelta | None

    @property
    def median_hours(self) -> float | None:
        return hours(self.median)

    @property
    def p90_hours(self) -> float | None:
        return hours(self.p90)


@dataclass(frozen=True)
class MixRow:
    key: str
    label: str
    count: int
    share: float | None


@dataclass(frozen=True)
class Mix:
    total: int
    by_view: list[MixRow]
    by_category: list[MixRow]
    by_channel: list[MixRow]


@dataclass(frozen=True)
class Dashboard:
    period: Period
    now: datetime
    overall: Figures
    trend: list[tuple[Period, Figures]]
    by_team: list[Group]
    by_owner: list[Group]
    first_response: list[TierResponse]
    mix: Mix
    definitions: dict = field(default_factory=lambda: DEFINITIONS)


class PercentileCont(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression), of intervals here."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within 0 and 1")
        # A float of ours, never user input: safe to put in the SQL text.
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


FIRST_RESPONSE = _duration(F("first_contacted_at") - F("received_at"))
RESOLUTION = _duration(F("resolved_at") - F("received_at"))
CONTACTED = Q(first_contacted_at__isnull=False)


def _first_contact_resolved() -> Q:
    """Never reopened, and no second call that reached the customer up to the resolution."""
    reached_calls = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            verb=TicketEvent.Verb.CALL,
            payload__outcome="reached",
            at__lte=OuterRef("resolved_at"),
        )
        .order_by()
        .values("ticket")
        .annotate(calls=Count("pk"))
        .filter(calls__gte=2)
    )
    return Q(reopen_count=0) & ~Exists(reached_calls)


def _received_aggregates() -> dict:
    non_urgent_contacted = NON_URGENT & CONTACTED
    return {
        "received": Count("pk"),
        "repeats": Count("pk", filter=Q(repeat_of__isnull=False)),
        "contacted": Count("pk", filter=CONTACTED),
        "first_response_median": PercentileCont(FIRST_RESPONSE, fraction=0.5),
        "first_response_p90": PercentileCont(FIRST_RESPONSE, fraction=0.9),
        "non_urgent_contacted": Count("pk", filter=non_urgent_contacted),
        "non_urgent_within_target": Count(
            "pk",
            filter=non_urgent_contacted
            & Q(first_contacted_at__lte=F("received_at") + FIRST_RESPONSE_TARGET),
        ),
        "non_urgent_p90": PercentileCont(FIRST_RESPONSE, fraction=0.9, filter=NON_URGENT),
    }


def _resolved_aggregates() -> dict:
    return {
        "resolved": Count("pk"),
        "first_contact_resolved": Count("pk", filter=_first_contact_resolved()),
        "resolution_avg": Avg(RESOLUTION, output_field=DurationField()),
    }


SURVEY_AGGREGATES = {
    "answered": Count("pk"),
    "satisfaction_avg": Avg("satisfaction"),
    "satisfied": Count("pk", filter=Q(satisfaction__gte=4)),
    "nps_answers": Count("pk", filter=Q(nps__isnull=False)),
    "promoters": Count("pk", filter=Q(nps__gte=9)),
    "detractors": Count("pk", filter=Q(nps__lte=6)),
}
CALLBACK_AGGREGATES = {
    "callbacks_due": Count("pk"),
    "callbacks_done": Count("pk", filter=Q(status=CallbackTask.Status.DONE)),
}


def _owner_name(prefix: str):
    return Coalesce(
        NullIf(F(f"{prefix}owner__display_name"), Value("")), F(f"{prefix}owner__username")
    )


def _keys(by: str, *, prefix: str, moment: str, granularity: str) -> dict:
    """The GROUP BY of a breakdown: "period" (of `moment`, Shanghai days), "team" or "owner"."""
    if by == "period":
        tz = timezone.get_default_timezone()
        return {"k": Trunc(moment, granularity, output_field=DateField(), tzinfo=tz)}
    if by == "team":
        return {"k": F(f"{prefix}team_id"), "name": F(f"{prefix}team__name")}
    return {"k": F(f"{prefix}owner_id"), "name": _owner_name(prefix)}


@dataclass(frozen=True)
class _Cohort:
    """Rows counted by when something happened to them, e.g. tickets by received_at."""

    prefix: str  # the path from the row to its ticket ("" for tickets)
    moment: str
    aggregates: dict


def _cohorts() -> dict[str, _Cohort]:
    return {
        "received": _Cohort("", "received_at", _received_aggregates()),
        "resolved": _Cohort("", "resolved_at", _resolved_aggregates()),
        "surveys": _Cohort("ticket__", "answered_at", SURVEY_AGGREGATES),
        "callbacks": _Cohort("ticket__", "due_at", CALLBACK_AGGREGATES),
    }


def _cohort_rows(
    *, name: str, cohort: _Cohort, tickets: QuerySet[Ticket], start: datetime, end: datetime
) -> QuerySet:
    window = {f"{cohort.moment}__gte": start, f"{cohort.moment}__lt": end}
    if name == "surveys":
        return Survey.objects.filter(ticket__in=tickets, **window)
    if name == "callbacks":
        return CallbackTask.objects.filter(ticket__in=tickets, **window)
    return tickets.filter(**window)


def _grouped(
    *,
    tickets: QuerySet[Ticket],
    start: datetime,
    end: datetime,
    now: datetime,
    by: str,
    granularity: str,
) -> dict:
    """{key: {"name": …, figure: value}} for one breakdown, merging the four cohorts."""
    merged: dict = {}
    for name, cohort in _cohorts().items():
        # Callbacks due later in an unfinished period are not late yet: count up to now.
        until = min(end, now) if name == "callbacks" else end
        keys = _keys(by, prefix=cohort.prefix, moment=cohort.moment, granularity=granularity)
        rows = (
            _cohort_rows(name=name, cohort=cohort, tickets=tickets, start=start, end=until)
            .order_by()
            .values(**keys)
            .annotate(**cohort.aggregates)
        )
        for row in rows:
            merged.setdefault(row.pop("k"), {}).update(row)
    return merged


def _figures(row: dict | None) -> Figures:
    if not row:
        return Figures()
    return Figures(**{key: value for key, value in row.items() if key != "name"})


def _groups(merged: dict, *, nobody: str) -> list[Group]:
    groups = [
        Group(key=key, name=row.get("name") or nobody, figures=_figures(row))
        for key, row in merged.items()
    ]
    # Named groups alphabetically, the unassigned ("—") last.
    return sorted(groups, key=lambda group: (group.key is None, group.name))


def first_response_by_tier(*, tickets: QuerySet[Ticket], period: Period) -> list[TierResponse]:
    """Median and p90 of the first response per tier, for tickets received in the period."""
    aggregates = {}
    for tier in Ticket.Tier.values:
        of_tier = Q(tier=tier)
        aggregates |= {
            f"{tier}_contacted": Count("pk", filter=of_tier & CONTACTED),
            f"{tier}_waiting": Count("pk", filter=of_tier & ~CONTACTED),
            f"{tier}_median": PercentileCont(FIRST_RESPONSE, fraction=0.5, filter=of_tier),
            f"{tier}_p90": PercentileCont(FIRST_RESPONSE, fraction=0.9, filter=of_tier),
        }
    row = tickets.filter(received_at__gte=period.start, received_at__lt=period.end).aggregate(
        **aggregates
    )
    return [
        TierResponse(
            tier=tier,
            label=str(label),
            contacted=row[f"{tier}_contacted"],
            waiting=row[f"{tier}_waiting"],
            median=row[f"{tier}_median"],
            p90=row[f"{tier}_p90"],
        )
        for tier, label in Ticket.Tier.choices
    ]


def complaint_mix(*, tickets: QuerySet[Ticket], period: Period) -> Mix:
    """Tickets received in the period by seed 002's view, by category and by channel."""
    speed_tag = TicketTag.objects.filter(
        ticket=OuterRef("pk"), tag__code__in=RESPONSE_SPEED_TAGS
    ).exclude(state=TicketTag.State.REJECTED)
    rows = (
        tickets.filter(received_at__gte=period.start, received_at__lt=period.end)
        .order_by()
        .values("category", "channel", speed=Exists(speed_tag))
        .annotate(count=Count("pk"))
    )
    # A few dozen aggregated rows at most (categories × channels × 2), summed three ways.
    by_view = dict.fromkeys(SEED_VIEW, 0)
    by_category = dict.fromkeys(Ticket.Category.values, 0)
    by_channel = dict.fromkeys(Ticket.Channel.values, 0)
    for row in rows:
        view = "response_speed" if row["speed"] else SEED_VIEW_OF_CATEGORY[row["category"]]
        by_view[view] += row["count"]
        by_category[row["category"]] += row["count"]
        by_channel[row["channel"]] += row["count"]
    total = sum(by_category.values())

    def shaped(counts: dict, labels: dict) -> list[MixRow]:
        return [
            MixRow(key, str(labels[key]), count, _percent(count, total))
            for key, count in counts.items()
        ]

    return Mix(
        total=total,
        by_view=shaped(by_view, SEED_VIEW),
        by_category=shaped(by_category, dict(Ticket.Category.choices)),
        by_channel=shaped(by_channel, dict(Ticket.Channel.choices)),
    )


def kpi_dashboard_figures(
    *, tickets: QuerySet[Ticket], period: Period, trend_count: int, now: datetime
) -> Dashboard:
    """Every figure of the dashboard for `tickets` (already scoped), in FIGURE_QUERIES queries.

    1. The trend: the four cohorts by period over `trend_count` periods ending with `period`;
       its last point is the period's overall figures.
    2. The same cohorts by team and by owner, for `period` only.
    3. First response by tier, and the complaint mix, for `period`.
    """
    periods = periods_until(period, max(1, min(trend_count, TREND_MAX)))
    by_period = _grouped(
        tickets=tickets,
        start=periods[0].start,
        end=period.end,
        now=now,
        by="period",
        granularity=period.granularity,
    )
    trend = [(each, _figures(by_period.get(each.first_day))) for each in periods]
    breakdowns = {
        by: _grouped(
            tickets=tickets,
            start=period.start,
            end=period.end,
            now=now,
            by=by,
            granularity=period.granularity,
        )
        for by in ("team", "owner")
    }
    return Dashboard(
        period=period,
        now=now,
        overall=trend[-1][1],
        trend=trend,
        by_team=_groups(breakdowns["team"], nobody="—"),
        by_owner=_groups(breakdowns["owner"], nobody="—"),
        first_response=first_response_by_tier(tickets=tickets, period=period),
        mix=complaint_mix(tickets=tickets, period=period),
    )


# Scope --------------------------------------------------------------------------------------


def kpi_tickets_for(user: User) -> QuerySet[Ticket]:
    """Managers (view_all_tickets) see every ticket's figures; team leads their teams'."""
    if not user.is_active or not user.has_perm("tickets.change_ticket"):
        return Ticket.objects.none()
    if user.has_perm("tickets.view_all_tickets"):
        return Ticket.objects.all()
    return Ticket.objects.filter(team__in=user.teams.values("pk"))


def kpi_teams_for(user: User) -> QuerySet[Team]:
    if user.has_perm("tickets.view_all_tickets"):
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=user.teams.values("pk")).order_by("name")


def kpi_agents_for(user: User) -> QuerySet[User]:
    """The owners a user may pick: members of the teams whose figures they see."""
    return (
        User.objects.filter(is_active=True, teams__in=kpi_teams_for(user).values("pk"))
        .distinct()
        .order_by("username")
    )
