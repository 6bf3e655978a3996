"""The KPI figures against an independent recount of a generated month of tickets.

`generate_month` makes tickets, contact calls, surveys and callbacks with pinned times and
keeps what it made as plain Python records; the expected figures are computed from those
records in this file, never by feedback.kpis.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import kpis
from feedback.models import CallbackTask, Survey
from tests.tickets.factories import CustomerFactory, UserFactory
from tickets.models import Tag, Ticket, TicketEvent, TicketTag

SHANGHAI_OFFSET = timedelta(hours=8)
# Wednesday 25 November 2026, 12:00 in Shanghai: November is unfinished.
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
NOVEMBER = kpis.period_of(granularity="month", day=date(2026, 11, 15))
OCTOBER = kpis.period_of(granularity="month", day=date(2026, 10, 15))
FIRST = datetime(2026, 9, 28, 16, 0, tzinfo=UTC)  # 29 September, 00:00 in Shanghai
TIERS = ["L1", "L2", "L3", "S"]
SPEED_TAGS = ["service-slow", "install-delay"]


@dataclass
class Made:
    """One generated ticket and the facts the figures are counted from."""

    ticket: Ticket
    team: str | None
    owner: str | None
    tier: str
    category: str
    channel: str
    received_at: datetime
    repeat: bool = False
    first_contacted_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened: bool = False
    reached_calls_to_resolution: int = 0
    speed_tag: bool = False
    surveys: list[tuple[datetime, int, int | None]] = field(default_factory=list)
    callbacks: list[tuple[datetime, bool]] = field(default_factory=list)


def _local_day(moment: datetime) -> date:
    return (moment + SHANGHAI_OFFSET).date()


def generate_month(*, teams, owners, count=120, seed=7, prefix="KPI") -> list[Made]:
    """Tickets received from late September to NOW, with a known, seeded mix of everything.

    `teams`: {"kitchen": Team, …}; `owners`: {"kitchen": [User, …], …}.
    """
    rng = random.Random(seed)
    customer = CustomerFactory()
    tags = {tag.code: tag for tag in Tag.objects.filter(code__in=SPEED_TAGS)}
    assert set(tags) == set(SPEED_TAGS), "the tag library migration seeds these"
    made: list[Made] = []
    span = (NOW - FIRST).total_seconds()
    for index in range(count):
        received_at = FIRST + timedelta(seconds=rng.randrange(int(span)))
        team_code = rng.choice([*teams, None])
        owner = rng.choice([*owners[team_code], None]) if team_code else None
        record = Made(
            ticket=None,
            team=team_code,
            owner=owner.username if owner else None,
            tier=rng.choice(TIERS),
            category=rng.choice(Ticket.Category.values),
            channel=rng.choice(Ticket.Channel.values),
            received_at=received_at,
        )
        if rng.random() < 0.85:
            contacted = received_at + timedelta(minutes=rng.randrange(3, 400))
            record.first_contacted_at = contacted if contacted < NOW else None
        if record.first_contacted_at and rng.random() < 0.7:
            resolved = record.first_contacted_at + timedelta(hours=rng.randrange(1, 120))
            if resolved < NOW:
                record.resolved_at = resolved
                record.reopened = rng.random() < 0.15
        ticket = Ticket.objects.create(
            number=f"{prefix}-{index:04d}",
            channel=record.channel,
            customer=customer,
            description="测试",
            tier=record.tier,
            category=record.category,
            team=teams.get(team_code),
            owner=owner,
            received_at=received_at,
            first_contacted_at=record.first_contacted_at,
            resolved_at=record.resolved_at,
            reopen_count=1 if record.reopened else 0,
            status=Ticket.Status.RESOLVED if record.resolved_at else Ticket.Status.CONTACTED,
        )
        record.ticket = ticket
        made.append(record)
    for record in made:
        _repeat(record, made, rng)
        _calls(record, rng)
        _tags(record, tags, rng)
        _surveys(record, rng)
        _callbacks(record, rng)
    return made


def _repeat(record: Made, made: list[Made], rng: random.Random) -> None:
    earlier = [other for other in made if other.received_at < record.received_at]
    if earlier and rng.random() < 0.2:
        record.repeat = True
        Ticket.objects.filter(pk=record.ticket.pk).update(repeat_of=rng.choice(earlier).ticket)


def _calls(record: Made, rng: random.Random) -> None:
    if not record.first_contacted_at:
        return
    start, end = record.received_at, record.resolved_at or NOW
    for _ in range(rng.randrange(0, 4)):
        at = start + (end - start) * rng.random()
        outcome = rng.choice(["reached", "reached", "no_answer", "busy"])
        TicketEvent.objects.create(
            ticket=record.ticket,
            verb=TicketEvent.Verb.CALL,
            at=at,
            payload={"outcome": outcome, "note": ""},
        )
        if outcome == "reached" and record.resolved_at and at <= record.resolved_at:
            record.reached_calls_to_resolution += 1
    if record.resolved_at and rng.random() < 0.3:
        # A reached call after the resolution (the customer rang back): not a contact of it.
        TicketEvent.objects.create(
            ticket=record.ticket,
            verb=TicketEvent.Verb.CALL,
            at=record.resolved_at + timedelta(hours=2),
            payload={"outcome": "reached", "note": ""},
        )
    # The call-centre's record of the inbound call carries no outcome: not a contact.
    TicketEvent.objects.create(
        ticket=record.ticket,
        verb=TicketEvent.Verb.CALL,
        at=record.received_at,
        payload={"vendor": "fake", "call_id": f"c-{record.ticket.pk}"},
    )


def _tags(record: Made, tags: dict, rng: random.Random) -> None:
    if rng.random() < 0.25:
        state = rng.choice(
            [TicketTag.State.SUGGESTED, TicketTag.State.CONFIRMED, TicketTag.State.REJECTED]
        )
        TicketTag.objects.create(
            ticket=record.ticket,
            tag=tags[rng.choice(SPEED_TAGS)],
            source=TicketTag.Source.AUTO,
            state=state,
        )
        record.speed_tag = state != TicketTag.State.REJECTED


def _surveys(record: Made, rng: random.Random) -> None:
    if not record.resolved_at:
        return
    for round_ in range(rng.choice([0, 1, 1, 2])):
        due = record.resolved_at + timedelta(days=3 + round_ * 10)
        answered = rng.random() < 0.8
        answered_at = due + timedelta(hours=rng.randrange(1, 60))
        answered = answered and answered_at < NOW
        satisfaction = rng.randrange(1, 6)
        nps = rng.choice([None, *range(11)])
        Survey.objects.create(
            ticket=record.ticket,
            callback_due_at=due,
            nonce=f"n{record.ticket.pk}-{round_}",
            sent_at=due,
            expires_at=due + timedelta(days=7),
            answered_at=answered_at if answered else None,
            answered_via=Survey.Via.LINK if answered else "",
            satisfaction=satisfaction if answered else None,
            solved=(satisfaction >= 4) if answered else None,
            nps=nps if answered else None,
        )
        if answered:
            record.surveys.append((answered_at, satisfaction, nps))


def _callbacks(record: Made, rng: random.Random) -> None:
    if not record.resolved_at or rng.random() < 0.4:
        return
    due = record.resolved_at + timedelta(days=3, hours=rng.randrange(0, 48))
    done = due < NOW and rng.random() < 0.7
    CallbackTask.objects.create(
        ticket=record.ticket,
        due_at=due,
        created_at=due,
        status=CallbackTask.Status.DONE if done else CallbackTask.Status.OPEN,
        done_at=due + timedelta(hours=1) if done else None,
    )
    record.callbacks.append((due, done))


# The independent recount -------------------------------------------------------------------


def percentile(values: list[timedelta], fraction: float) -> timedelta | None:
    """Linear interpolation between the closest ranks (what percentile_cont does)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def in_period(moment: datetime | None, period, until: datetime | None = None) -> bool:
    if moment is None:
        return False
    day = _local_day(moment)
    return period.first_day <= day < period.next_first_day and (until is None or moment < until)


def expected(made: list[Made], period) -> dict:
    received = [m for m in made if in_period(m.received_at, period)]
    contacted = [m for m in received if m.first_contacted_at]
    responses = [m.first_contacted_at - m.received_at for m in contacted]
    non_urgent = [m.first_contacted_at - m.received_at for m in contacted if m.tier != "L1"]
    resolved = [m for m in made if in_period(m.resolved_at, period)]
    fcr = [m for m in resolved if not m.reopened and m.reached_calls_to_resolution <= 1]
    answers = [s for m in made for s in m.surveys if in_period(s[0], period)]
    scores = [s[1] for s in answers]
    npss = [s[2] for s in answers if s[2] is not None]
    callbacks = [c for m in made for c in m.callbacks if in_period(c[0], period, until=NOW)]
    resolution = [m.resolved_at - m.received_at for m in resolved]
    return {
        "received": len(received),
        "repeats": sum(m.repeat for m in received),
        "contacted": len(contacted),
        "first_response_median": percentile(responses, 0.5),
        "first_response_p90": percentile(responses, 0.9),
        "non_urgent_contacted": len(non_urgent),
        "non_urgent_within_target": sum(r <= timedelta(hours=2) for r in non_urgent),
        "non_urgent_p90": percentile(non_urgent, 0.9),
        "resolved": len(resolved),
        "first_contact_resolved": len(fcr),
        "resolution_avg": sum(resolution, timedelta()) / len(resolution) if resolution else None,
        "answered": len(answers),
        "satisfaction_avg": sum(scores) / len(scores) if scores else None,
        "satisfied": sum(score >= 4 for score in scores),
        "nps_answers": len(npss),
        "promoters": sum(n >= 9 for n in npss),
        "detractors": sum(n <= 6 for n in npss),
        "callbacks_due": len(callbacks),
        "callbacks_done": sum(done for _due, done in callbacks),
    }


def assert_figures(figures: kpis.Figures, want: dict) -> None:
    for name, value in want.items():
        got = getattr(figures, name)
        if isinstance(value, timedelta):
            assert got is not None and abs(got - value) < timedelta(milliseconds=1), name
        elif isinstance(value, float):
            assert got == pytest.approx(value), name
        else:
            assert got == value, name


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def month(team_kitchen, team_aircon, agent, agent_other_team):
    helper = UserFactory(username="helper", role="agent", teams=[team_kitchen])
    return generate_month(
        teams={"kitchen": team_kitchen, "aircon": team_aircon},
        owners={"kitchen": [agent, helper], "aircon": [agent_other_team]},
    )


def figures_for(tickets, period=NOVEMBER, trend_count=2):
    return kpis.kpi_dashboard_figures(
        tickets=tickets, period=period, trend_count=trend_count, now=NOW
    )


# Tests --------------------------------------------------------------------------------------


def test_the_generated_month_has_the_mix_the_figures_need(month):
    november = [m for m in month if in_period(m.received_at, NOVEMBER)]
    assert len(november) > 40
    assert {m.tier for m in november} == set(TIERS)
    assert any(m.reopened for m in month) and any(m.repeat for m in month)
    assert any(m.reached_calls_to_resolution >= 2 for m in month)
    assert any(m.speed_tag for m in november)
    assert any(due >= NOW for m in month for due, _done in m.callbacks)  # due later this month


def test_overall_figures_equal_an_independent_recount(month):
    dashboard = figures_for(Ticket.objects.all())
    want = expected(month, NOVEMBER)
    assert want["received"] and want["resolved"] and want["answered"] and want["callbacks_due"]
    assert_figures(dashboard.overall, want)


def test_the_trend_recounts_each_period(month):
    dashboard = figures_for(Ticket.objects.all(), trend_count=3)
    september = kpis.period_of(granularity="month", day=date(2026, 9, 30))
    assert [period for period, _figures in dashboard.trend] == [september, OCTOBER, NOVEMBER]
    for period, figures in dashboard.trend:
        assert_figures(figures, expected(month, period))


def test_weeks_and_quarters_recount_too(month):
    week = kpis.period_of(granularity="week", day=date(2026, 11, 11))
    assert (week.first_day, week.label) == (date(2026, 11, 9), "2026-W46")
    quarter = kpis.period_of(granularity="quarter", day=date(2026, 11, 11))
    assert (quarter.first_day, quarter.next_first_day) == (date(2026, 10, 1), date(2027, 1, 1))
    for period in (week, quarter):
        assert_figures(figures_for(Ticket.objects.all(), period).overall, expected(month, period))


def test_per_team_and_per_owner_rows_recount_their_tickets(month):
    dashboard = figures_for(Ticket.objects.all())
    teams = {group.name: group.figures for group in dashboard.by_team}
    assert set(teams) == {"厨房电器组", "空调安装组", "—"}
    for name, code in (("厨房电器组", "kitchen"), ("空调安装组", "aircon"), ("—", None)):
        assert_figures(teams[name], expected([m for m in month if m.team == code], NOVEMBER))
    owners = {group.name: group.figures for group in dashboard.by_owner}
    for username in ("agent", "helper", "agent_aircon", None):
        subset = [m for m in month if m.owner == username]
        assert_figures(owners[username or "—"], expected(subset, NOVEMBER))


def test_first_response_by_tier_recounts_median_and_p90(month):
    dashboard = figures_for(Ticket.objects.all())
    november = [m for m in month if in_period(m.received_at, NOVEMBER)]
    for row in dashboard.first_response:
        of_tier = [m for m in november if m.tier == row.tier]
        times = [m.first_contacted_at - m.received_at for m in of_tier if m.first_contacted_at]
        assert row.contacted == len(times)
        assert row.waiting == len(of_tier) - len(times)
        for got, want in ((row.median, percentile(times, 0.5)), (row.p90, percentile(times, 0.9))):
            assert abs(got - want) < timedelta(milliseconds=1)


def test_complaint_mix_follows_seed_002s_view(month):
    mix = figures_for(Ticket.objects.all()).mix
    november = [m for m in month if in_period(m.received_at, NOVEMBER)]
    view_of = {
        "usage": "product_use",
        "quality": "product_use",
        "installation": "product_use",
        "service": "service_attitude",
        "suggestion": "suggestion",
    }
    views = {key: 0 for key in kpis.SEED_VIEW}
    for m in november:
        views["response_speed" if m.speed_tag else view_of[m.category]] += 1
    assert {row.key: row.count for row in mix.by_view} == views
    assert {row.key: row.count for row in mix.by_category} == {
        c: sum(m.category == c for m in november) for c in Ticket.Category.values
    }
    assert {row.key: row.count for row in mix.by_channel} == {
        c: sum(m.channel == c for m in november) for c in Ticket.Channel.values
    }
    assert mix.total == len(november)
    assert sum(row.share for row in mix.by_view) == pytest.approx(100)


def test_a_lead_sees_only_the_figures_of_own_teams(month, team_lead):
    tickets = kpis.kpi_tickets_for(team_lead)
    dashboard = figures_for(tickets)
    assert_figures(dashboard.overall, expected([m for m in month if m.team == "kitchen"], NOVEMBER))
    assert [group.name for group in dashboard.by_team] == ["厨房电器组"]


def test_an_agent_has_no_figures(month, agent):
    assert not kpis.kpi_tickets_for(agent).exists()


def test_the_query_count_is_fixed_whatever_the_number_of_tickets(
    team_kitchen, team_aircon, agent, agent_other_team
):
    teams = {"kitchen": team_kitchen, "aircon": team_aircon}
    owners = {"kitchen": [agent], "aircon": [agent_other_team]}
    counts = []
    for seed, count in ((1, 10), (2, 60)):
        generate_month(teams=teams, owners=owners, count=count, seed=seed, prefix=f"Q{seed}")
        with CaptureQueriesContext(connection) as queries:
            figures_for(Ticket.objects.all(), trend_count=6)
        counts.append(len(queries))
    assert counts == [kpis.FIGURE_QUERIES, kpis.FIGURE_QUERIES] == [14, 14]


def test_empty_figures_say_nothing_rather_than_zero(db):
    dashboard = figures_for(Ticket.objects.none())
    overall = dashboard.overall
    assert overall.received == 0
    assert overall.fcr_rate is None and overall.nps is None and overall.satisfaction_avg is None
    assert overall.csat_met is None and overall.fcr_met is None
    assert overall.first_response_met is None


def test_targets_are_judged_against_the_seeds():
    good = kpis.Figures(
        satisfaction_avg=4.2,
        resolved=20,
        first_contact_resolved=17,
        non_urgent_p90=timedelta(hours=2),
    )
    assert (good.csat_met, good.fcr_met, good.first_response_met) == (True, True, True)
    bad = kpis.Figures(
        satisfaction_avg=4.19,
        resolved=20,
        first_contact_resolved=16,
        non_urgent_p90=timedelta(hours=2, seconds=1),
    )
    assert (bad.csat_met, bad.fcr_met, bad.first_response_met) == (False, False, False)
    assert kpis.Figures(nps_answers=4, promoters=2, detractors=1).nps == 25
