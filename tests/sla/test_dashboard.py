"""The SLA dashboard's figures equal counts made here, ticket by ticket, in Python."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sla import dashboard
from tests.tickets.factories import TicketFactory
from tickets.models import OPEN_STATUSES, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # Friday 14:00 in Shanghai
H = timedelta(hours=1)
_refs = itertools.count()


def make(*, now=NOW, tier="L2", age, fc_due, fc_done=None, res_due=None, res_done=None, **extra):
    """A ticket received `age` before now; the other times are offsets from its receipt."""
    received = now - age
    ticket = TicketFactory(now=received, external_ref=f"dash-{next(_refs)}")
    status = extra.pop("status", None) or (
        Ticket.Status.RESOLVED
        if res_done is not None
        else Ticket.Status.CONTACTED
        if fc_done is not None
        else Ticket.Status.NEW
    )
    fields = {
        "tier": tier,
        "status": status,
        "received_at": received,
        "first_contact_due_at": received + fc_due,
        "first_contacted_at": received + fc_done if fc_done is not None else None,
        "resolve_due_at": received + res_due if res_due is not None else None,
        "resolved_at": received + res_done if res_done is not None else None,
        "first_contact_warn_at": None,
        "resolve_warn_at": None,
        **extra,
    }
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def spread(team_kitchen, team_aircon, agent, engineer):
    """Tickets in every state the figures distinguish, across tiers, windows and teams."""
    return [
        # Today (Shanghai): met, missed, pending, breached.
        make(tier="L1", age=2 * H, fc_due=H, fc_done=H / 2, res_due=24 * H, team=team_kitchen),
        make(tier="L1", age=3 * H, fc_due=H, fc_done=2 * H, res_due=24 * H, owner=agent),
        make(tier="L2", age=H, fc_due=2 * H, res_due=18 * H, team=team_aircon),
        make(tier="L2", age=5 * H, fc_due=2 * H, res_due=18 * H, team=team_aircon, owner=engineer),
        # This week: resolved on time and late; an at-risk one past its warning.
        make(
            tier="L3",
            age=72 * H,
            fc_due=24 * H,
            fc_done=3 * H,
            res_due=80 * H,
            res_done=30 * H,
            team=team_kitchen,
            owner=agent,
        ),
        make(
            tier="L3",
            age=100 * H,
            fc_due=24 * H,
            fc_done=30 * H,
            res_due=72 * H,
            res_done=90 * H,
            team=team_kitchen,
        ),
        make(
            tier="L2",
            age=20 * H,
            fc_due=2 * H,
            fc_done=H,
            res_due=24 * H,
            resolve_warn_at=NOW - 2 * H,
            status=Ticket.Status.IN_PROGRESS,
            owner=engineer,
        ),
        # This month, and one older than 30 days (outside every window).
        make(tier="S", age=20 * 24 * H, fc_due=24 * H, fc_done=5 * H, res_due=None),
        make(tier="L3", age=15 * 24 * H, fc_due=24 * H, res_due=72 * H, team=team_aircon),
        make(tier="L1", age=40 * 24 * H, fc_due=H, fc_done=H / 4, res_due=24 * H),
    ]


def _expected_rate(tickets, target, since):
    due_field, done_field = {
        "first_contact": ("first_contact_due_at", "first_contacted_at"),
        "resolve": ("resolve_due_at", "resolved_at"),
    }[target]
    decided = met = 0
    for ticket in tickets:
        due, done = getattr(ticket, due_field), getattr(ticket, done_field)
        if ticket.received_at < since or due is None:
            continue
        if done is not None or due <= NOW:
            decided += 1
            met += done is not None and done <= due
    return met, decided


def test_compliance_by_tier_equals_a_count_ticket_by_ticket(spread):
    tickets = list(Ticket.objects.all())
    figures = dashboard.compliance_by_tier(tickets=Ticket.objects.all(), now=NOW)
    starts = dashboard.window_starts(NOW)
    assert starts["today"] == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # Shanghai midnight

    for tier in Ticket.Tier.values:
        for window, since in starts.items():
            for target in ("first_contact", "resolve"):
                rate = figures[tier][window][target]
                mine = [t for t in tickets if t.tier == tier]
                assert (rate.met, rate.decided) == _expected_rate(mine, target, since), (
                    tier,
                    window,
                    target,
                )
    # Spot checks written out by hand, so the Python count above is itself checked.
    assert figures["L1"]["today"]["first_contact"].percent == 50.0
    assert figures["L3"]["7d"]["resolve"].percent == 50.0
    assert figures["S"]["30d"]["resolve"].decided == 0
    assert figures["S"]["30d"]["resolve"].percent is None


def test_breaches_and_at_risk_are_the_open_tickets_past_their_times(spread):
    breached = dashboard.breaches(tickets=Ticket.objects.all(), now=NOW)
    expected = [
        t
        for t in Ticket.objects.all()
        if t.status in OPEN_STATUSES
        and (
            (t.first_contacted_at is None and t.first_contact_due_at <= NOW)
            or (t.resolve_due_at is not None and t.resolve_due_at <= NOW)
        )
    ]
    assert {t.pk for t in breached} == {t.pk for t in expected}
    assert dashboard.breaches_count(tickets=Ticket.objects.all(), now=NOW) == len(expected) == 3
    at_risk = dashboard.at_risk(tickets=Ticket.objects.all(), now=NOW)
    assert [t.resolve_warn_at for t in at_risk] == [NOW - 2 * H]


def test_backlog_counts_open_tickets_by_tier_and_age(spread):
    backlog = dashboard.backlog(tickets=Ticket.objects.all(), now=NOW)
    expected: dict[str, dict[str, int]] = {tier: {} for tier in Ticket.Tier.values}
    for tier in expected:
        for key, _label, low, high in dashboard.AGE_BUCKETS:
            expected[tier][key] = sum(
                1
                for t in Ticket.objects.filter(tier=tier, status__in=OPEN_STATUSES)
                if NOW - t.received_at >= low and (high is None or NOW - t.received_at < high)
            )
    assert backlog == expected
    assert sum(sum(row.values()) for row in backlog.values()) == 8


def test_per_team_and_per_owner_cover_the_last_30_days(spread, team_kitchen):
    teams = dashboard.compliance_by(tickets=Ticket.objects.all(), now=NOW, field="team__name")
    by_name = {row["name"]: row for row in teams}
    kitchen = [
        t for t in Ticket.objects.filter(team=team_kitchen) if t.received_at >= NOW - 30 * 24 * H
    ]
    assert by_name[team_kitchen.name]["tickets"] == len(kitchen) == 3
    since = NOW - 30 * 24 * H
    rate = by_name[team_kitchen.name]["resolve"]
    assert (rate.met, rate.decided) == _expected_rate(kitchen, "resolve", since)
    owners = dashboard.compliance_by(tickets=Ticket.objects.all(), now=NOW, field="owner__username")
    assert sum(row["tickets"] for row in owners) == 9  # every ticket but the 40-day-old one


def test_the_trend_has_one_point_per_day_and_counts_that_days_tickets(spread):
    trend = dashboard.trend(tickets=Ticket.objects.all(), now=NOW)
    assert len(trend) == dashboard.TREND_DAYS
    assert trend[-1]["day"] == timezone.localdate(NOW)
    today = trend[-1]["first_contact"]
    assert (today.met, today.decided) == (1, 3)


@pytest.fixture(autouse=True)
def _no_snapshot(db):
    """Snapshots live in the shared Redis: none from another test may leak in."""
    cache.delete_many(["sla:dashboard:all", *[f"sla:dashboard:user-{i}" for i in range(1, 200)]])


def test_managers_see_the_page_and_agents_do_not(client, manager, agent, team_kitchen):
    now = timezone.now()
    make(now=now, tier="L1", age=3 * H, fc_due=H, res_due=24 * H, team=team_kitchen)
    make(now=now, tier="L1", age=3 * H, fc_due=H, res_due=24 * H)  # no team: intake queue

    client.force_login(manager)
    page = client.get(reverse("sla:dashboard"))
    assert page.status_code == 200
    assert page.context["breaches_count"] == 2
    assert "sla-trend-chart" in page.content.decode()

    client.force_login(agent)
    assert client.get(reverse("sla:dashboard")).status_code == 403
    assert client.get(reverse("sla:export")).status_code == 403


def test_the_panel_refreshes_alone_and_the_export_carries_the_figures(client, manager, spread):
    client.force_login(manager)
    panel = client.get(reverse("sla:dashboard"), HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
    assert 'hx-trigger="every 60s"' in panel.content.decode()
    assert "<html" not in panel.content.decode()

    export = client.get(reverse("sla:export"))
    assert export.status_code == 200
    assert export["Content-Disposition"].startswith('attachment; filename="sla-')
    book = load_workbook(io.BytesIO(export.content))
    assert len(book.sheetnames) == 7
    compliance = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(compliance) == 1 + 4 * 3  # header + every tier × window


def test_the_snapshot_is_reused_for_a_minute_then_recomputed(manager, team_kitchen):
    first = dashboard.dashboard_snapshot(manager, now=NOW)
    make(tier="L1", age=3 * H, fc_due=H, res_due=24 * H, team=team_kitchen)

    within = dashboard.dashboard_snapshot(manager, now=NOW + timedelta(seconds=59))
    after = dashboard.dashboard_snapshot(manager, now=NOW + timedelta(seconds=60))

    assert within["now"] == first["now"] == NOW
    assert within["breaches_count"] == first["breaches_count"] == 0
    assert after["now"] == NOW + timedelta(seconds=60)
    assert after["breaches_count"] == 1


def test_beat_warms_the_managers_figures_before_anyone_asks(manager, team_kitchen):
    make(tier="L1", age=3 * H, fc_due=H, res_due=24 * H, team=team_kitchen)
    dashboard.dashboard_warm(now=NOW)
    Ticket.objects.all().delete()  # what a manager now reads is the warmed snapshot

    figures = dashboard.dashboard_snapshot(manager, now=NOW + timedelta(seconds=30))

    assert figures["now"] == NOW
    assert figures["breaches_count"] == 1
