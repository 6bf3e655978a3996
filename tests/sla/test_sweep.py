"""The SLA sweep and the clocks it reads: every action once, at an explicit `now`.

Exact times are asserted on L1 (24×7: 1 h, 24 h, every 4 h); the business-clock tiers are
checked against sla.policy itself, so these tests hold whatever the calendar says.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.celery import app
from feedback.models import CallbackTask, CustomerMessage
from sla.policy import callback_due_for, deadlines_for, due_after_pause, progress_due_after
from sla.services import (
    progress_slot,
    sla_sweep,
    ticket_deadline_extend,
    ticket_tier_change,
)
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket, TicketEvent
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
Verb = TicketEvent.Verb
S = Ticket.Status


@pytest.fixture
def make(team_kitchen, engineer):
    """A ticket received at NOW (or `at`), owned by the engineer, in the kitchen team."""

    def build(tier: str = "L1", at: datetime = NOW) -> Ticket:
        ticket = TicketFactory(now=at, tier=tier, team=team_kitchen)
        Ticket.objects.filter(pk=ticket.pk).update(owner=engineer)
        ticket.refresh_from_db()
        return ticket

    return build


def events(ticket: Ticket, verb: str) -> list[TicketEvent]:
    return list(ticket.events.filter(verb=verb).order_by("id"))


def progress_messages(ticket: Ticket) -> list[CustomerMessage]:
    return list(CustomerMessage.objects.filter(ticket=ticket, kind="progress").order_by("id"))


def move(ticket: Ticket, *statuses: str, at: datetime) -> Ticket:
    for status in statuses:
        ticket = ticket_transition(ticket=ticket, to_status=status, actor=None, now=at)
    return ticket


def test_intake_sets_every_due_time_and_the_first_check(make):
    ticket = make("L1")

    assert ticket.first_contact_due_at == NOW + H
    assert ticket.first_contact_warn_at == NOW + 48 * MIN
    assert ticket.resolve_due_at == NOW + 24 * H
    assert ticket.resolve_warn_at == NOW + timedelta(hours=19, minutes=12)
    assert ticket.next_progress_due_at == NOW + 4 * H
    assert ticket.sla_next_check_at == NOW + 48 * MIN == ticket.sla_next_check()


@pytest.mark.parametrize("tier", ["L2", "L3", "S"])
def test_intake_takes_business_clock_tiers_from_the_policy(make, tier):
    ticket = make(tier)
    expected = deadlines_for(tier=tier, received_at=NOW)

    assert (ticket.first_contact_due_at, ticket.resolve_due_at) == (
        expected.first_contact_due_at,
        expected.resolve_due_at,
    )
    assert ticket.next_progress_due_at == expected.next_progress_due_at
    assert ticket.sla_next_check_at == ticket.sla_next_check() == expected.first_contact_warn_at


def test_each_checkpoint_acts_once_at_its_time(make, team_lead, engineer):
    ticket = make("L1")

    assert sla_sweep(now=NOW + 47 * MIN).tickets == 0
    assert sla_sweep(now=NOW + 48 * MIN).warned == 1
    assert sla_sweep(now=NOW + 48 * MIN).warned == 0
    [warning] = events(ticket, Verb.SLA_WARNED)
    assert warning.payload["target"] == "first_contact"
    assert warning.payload["to_user"] == engineer.pk

    assert sla_sweep(now=NOW + H).breached == 1
    [breach] = events(ticket, Verb.SLA_BREACHED)
    assert breach.payload == {
        "target": "first_contact",
        "due_at": (NOW + H).isoformat(),
        "to_user": team_lead.pk,
        "to_user_name": str(team_lead),
    }
    ticket.refresh_from_db()
    assert ticket.first_contact_breached_at == NOW + H
    assert ticket.sla_next_check_at == NOW + 4 * H

    counts = sla_sweep(now=NOW + 4 * H)
    assert (counts.progress, counts.warned, counts.breached) == (1, 0, 0)
    [message] = progress_messages(ticket)
    assert message.slot == progress_slot(NOW + 4 * H)
    assert "正在加紧处理" in message.body
    [reminder] = events(ticket, Verb.PROGRESS_DUE)
    assert reminder.payload["message_id"] == message.pk
    assert reminder.payload["to_user"] == engineer.pk
    ticket.refresh_from_db()
    assert ticket.next_progress_due_at == NOW + 8 * H

    assert sla_sweep(now=NOW + 4 * H).tickets == 0
    assert len(progress_messages(ticket)) == 1


def test_a_late_sweep_escalates_without_warning_and_sends_one_catch_up_message(make):
    """After 25 h unswept: both breaches, no moot warnings, one progress message (not six)."""
    ticket = make("L1")

    counts = sla_sweep(now=NOW + 25 * H)

    assert (counts.breached, counts.warned, counts.progress) == (2, 0, 1)
    assert sorted(e.payload["target"] for e in events(ticket, Verb.SLA_BREACHED)) == [
        "first_contact",
        "resolve",
    ]
    [message] = progress_messages(ticket)
    assert message.slot == progress_slot(NOW + 4 * H)
    assert events(ticket, Verb.PROGRESS_DUE)[0].payload["missed_slots"] == 5
    ticket.refresh_from_db()
    assert ticket.next_progress_due_at == NOW + 28 * H == ticket.sla_next_check_at
    assert sla_sweep(now=NOW + 25 * H).tickets == 0


def test_first_contact_stops_its_clock(make):
    ticket = move(make("L1"), S.CONTACTED, at=NOW + 30 * MIN)

    assert ticket.sla_next_check_at == NOW + 4 * H
    counts = sla_sweep(now=NOW + 2 * H)
    assert (counts.tickets, counts.warned, counts.breached) == (0, 0, 0)


def test_an_unrouted_ticket_escalates_to_a_manager(manager):
    ticket = TicketFactory(now=NOW, tier="L1")
    assert ticket.team_id is None

    sla_sweep(now=NOW + H)

    [breach] = events(ticket, Verb.SLA_BREACHED)
    assert breach.payload["to_user"] == manager.pk


def test_waiting_on_the_customer_pauses_and_resuming_pushes_the_due_times(make):
    ticket = move(make("L1"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    ticket = move(ticket, S.WAITING_CUSTOMER, at=NOW + 2 * H)
    assert ticket.paused_at == NOW + 2 * H
    assert ticket.sla_next_check_at is None

    assert sla_sweep(now=NOW + 30 * H).tickets == 0  # no clock runs while paused

    ticket = move(ticket, S.IN_PROGRESS, at=NOW + 32 * H)

    assert ticket.paused_at is None
    assert ticket.paused_seconds == 30 * 3600
    assert ticket.resolve_due_at == NOW + 54 * H
    assert ticket.resolve_warn_at == NOW + timedelta(hours=49, minutes=12)
    assert ticket.next_progress_due_at == NOW + 34 * H == ticket.sla_next_check_at
    transition = ticket.events.filter(verb=Verb.TRANSITIONED).latest("id")
    assert transition.payload["sla"]["paused_seconds"] == 30 * 3600


def test_a_business_clock_pause_is_pushed_by_the_policy(make):
    ticket = move(make("L2"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    due, warn = ticket.resolve_due_at, ticket.resolve_warn_at
    ticket = move(ticket, S.WAITING_CUSTOMER, at=NOW + H)

    ticket = move(ticket, S.IN_PROGRESS, at=NOW + 50 * H)

    push = {"tier": "L2", "paused_at": NOW + H, "resumed_at": NOW + 50 * H}
    assert ticket.resolve_due_at == due_after_pause(due_at=due, **push)
    assert ticket.resolve_warn_at == due_after_pause(due_at=warn, **push)


def test_resolving_stops_the_clocks_and_the_callback_falls_due_once(make):
    ticket = move(make("L1"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    ticket = move(ticket, S.RESOLVED, at=NOW + 2 * H)
    callback_due = callback_due_for(resolved_at=NOW + 2 * H)

    assert ticket.callback_due_at == callback_due == ticket.sla_next_check_at
    assert ticket.next_progress_due_at is None
    assert sla_sweep(now=callback_due - MIN).tickets == 0  # no breach, no progress

    assert sla_sweep(now=callback_due).callbacks == 1
    assert sla_sweep(now=callback_due + H).callbacks == 0

    [task] = CallbackTask.objects.filter(ticket=ticket)
    assert (task.due_at, task.status, task.created_at) == (callback_due, "open", callback_due)
    assert events(ticket, Verb.CALLBACK_DUE)[0].payload["task_id"] == task.pk
    ticket.refresh_from_db()
    assert ticket.sla_next_check_at is None


def test_a_reopened_ticket_gets_a_fresh_resolution_target_and_callback(make):
    ticket = move(make("L1"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    ticket = move(ticket, S.RESOLVED, at=NOW + 30 * H)  # late: breached on the way
    sla_sweep(now=NOW + 30 * H)
    reopened_at = callback_due_for(resolved_at=NOW + 30 * H)
    sla_sweep(now=reopened_at)

    ticket = move(ticket, S.REOPENED, at=reopened_at)

    fresh = deadlines_for(tier="L1", received_at=reopened_at)
    assert ticket.resolve_due_at == fresh.resolve_due_at
    assert ticket.next_progress_due_at == fresh.next_progress_due_at
    assert ticket.resolve_breached_at is None and ticket.callback_due_at is None
    ticket = move(ticket, S.IN_PROGRESS, S.RESOLVED, at=reopened_at + H)
    assert sla_sweep(now=callback_due_for(resolved_at=reopened_at + H)).callbacks == 1
    assert CallbackTask.objects.filter(ticket=ticket).count() == 2


def test_a_tier_change_needs_a_reason(make, agent):
    ticket = make("L3")

    with pytest.raises(ValidationError) as excinfo:
        ticket_tier_change(ticket=ticket, tier="L1", reason="  ", actor=agent, now=NOW)

    assert "reason" in excinfo.value.message_dict
    ticket.refresh_from_db()
    assert ticket.tier == "L3" and not events(ticket, Verb.TIER_CHANGED)


def test_a_tier_change_recomputes_from_receipt_and_the_sweep_judges_afresh(make, agent):
    ticket = make("L3")

    ticket = ticket_tier_change(
        ticket=ticket, tier="L1", reason="客户说热水器漏电", actor=agent, now=NOW + 2 * H
    )

    assert ticket.tier == "L1"
    assert ticket.first_contact_due_at == NOW + H
    assert ticket.resolve_due_at == NOW + 24 * H
    assert ticket.next_progress_due_at == NOW + 4 * H
    [event] = events(ticket, Verb.TIER_CHANGED)
    assert event.actor == agent
    assert (event.payload["from_tier"], event.payload["to_tier"]) == ("L3", "L1")
    assert event.payload["note"] == "客户说热水器漏电"
    assert sla_sweep(now=NOW + 2 * H).breached == 1  # an hour late under the new promise


def test_an_unknown_tier_is_refused_naming_the_field(make, agent):
    with pytest.raises(ValidationError) as excinfo:
        ticket_tier_change(ticket=make("L3"), tier="L9", reason="x", actor=agent, now=NOW)
    assert "tier" in excinfo.value.message_dict


def test_an_extension_needs_a_reason_and_a_lead(make, agent, team_lead):
    ticket = make("L1")
    with pytest.raises(ValidationError) as excinfo:
        ticket_deadline_extend(
            ticket=ticket, which="resolve", new_due_at=NOW + 48 * H, reason="", actor=team_lead
        )
    assert "reason" in excinfo.value.message_dict
    from tickets.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        ticket_deadline_extend(
            ticket=ticket, which="resolve", new_due_at=NOW + 48 * H, reason="等配件", actor=agent
        )


def test_an_extension_moves_the_deadline_and_keeps_progress_updates_coming(make, team_lead):
    ticket = make("L1")

    ticket = ticket_deadline_extend(
        ticket=ticket,
        which="resolve",
        new_due_at=NOW + 48 * H,
        reason="配件从总仓调拨",
        actor=team_lead,
        now=NOW + H / 2,
    )

    assert ticket.resolve_due_at == NOW + 48 * H
    assert ticket.resolve_warn_at == NOW + timedelta(hours=43, minutes=12)
    [event] = events(ticket, Verb.DEADLINE_EXTENDED)
    assert event.payload["note"] == "配件从总仓调拨"
    assert event.payload["from_due_at"] == (NOW + 24 * H).isoformat()
    counts = sla_sweep(now=NOW + 25 * H)
    assert counts.progress == 1 and len(progress_messages(ticket)) == 1
    assert [e.payload["target"] for e in events(ticket, Verb.SLA_BREACHED)] == ["first_contact"]


def test_an_extension_must_be_later(make, team_lead):
    with pytest.raises(ValidationError) as excinfo:
        ticket_deadline_extend(
            ticket=make("L1"), which="resolve", new_due_at=NOW, reason="x", actor=team_lead
        )
    assert "new_due_at" in excinfo.value.message_dict


def test_progress_follows_the_policy_on_business_clock_tiers(make):
    ticket = move(make("L2"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    due = ticket.next_progress_due_at

    sla_sweep(now=due)

    ticket.refresh_from_db()
    assert ticket.next_progress_due_at == progress_due_after(tier="L2", after=due)
    assert [m.slot for m in progress_messages(ticket)] == [progress_slot(due)]


def _copies(ticket: Ticket, count: int, *, prefix: str) -> None:
    """Open tickets that are not due: plain rows, as intake would leave them."""
    Ticket.objects.bulk_create(
        Ticket(
            **{
                field.attname: getattr(ticket, field.attname)
                for field in Ticket._meta.concrete_fields
                if field.attname not in {"id", "number", "external_ref"}
            },
            number=f"{prefix}-{index:05d}",
        )
        for index in range(count)
    )


def _sweep_queries(now: datetime) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert sla_sweep(now=now).warned == 3
    return len(queries)


def test_the_sweep_costs_the_same_whatever_the_number_of_open_tickets(make):
    """Its cost grows with the due rows, not the open ones."""
    later = make("L1", at=NOW + 10 * H)  # its first check: NOW + 10:48
    due = [make("L1") for _ in range(3)]
    _copies(later, 10, prefix="A")
    few = _sweep_queries(NOW + 48 * MIN)

    Ticket.objects.filter(pk__in=[t.pk for t in due]).update(
        first_contact_warned_at=None, sla_next_check_at=NOW + 48 * MIN
    )
    _copies(later, 200, prefix="B")
    many = _sweep_queries(NOW + 48 * MIN)

    assert Ticket.objects.count() == 3 + 1 + 10 + 200
    assert many == few


def test_sla_tick_command_sweeps_as_of_now_and_prints_the_counts(make, capsys):
    make("L1")

    call_command("sla_tick", "--now", "2026-11-23T11:00:00+08:00")

    out = capsys.readouterr().out
    assert "tickets=1" in out and "breached=1" in out


def test_sla_tick_command_names_a_bad_now():
    with pytest.raises(CommandError, match="--now"):
        call_command("sla_tick", "--now", "next tuesday")


def test_beat_ticks_the_sweep_every_30_seconds():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == "sla.tasks.sla_tick"]
    assert [entry["schedule"] for entry in entries] == [30.0]


def test_the_ticket_page_shows_the_sla_state(client, make, agent):
    ticket = move(make("L1"), S.CONTACTED, S.IN_PROGRESS, at=NOW + 10 * MIN)
    sla_sweep(now=NOW + 25 * H)
    move(ticket, S.WAITING_CUSTOMER, at=NOW + 25 * H)
    client.force_login(agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()

    assert "missed" in page and "escalated" in page
    assert "waiting for the customer since" in page
    assert "Next progress update" in page
    assert "escalated a missed deadline" in page  # the timeline
