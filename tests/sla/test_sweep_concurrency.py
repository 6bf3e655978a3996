"""Two sweeps at once, and a Redis outage: the deadlines in Postgres make both harmless."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from aftersales.celery import app
from aftersales.embedded import embedded_redis
from aftersales.settings import celery_broker_url
from feedback.models import CustomerMessage
from sla.services import SweepCounts, progress_slot, sla_sweep
from sla.tasks import sla_tick
from tests.tickets.factories import TicketFactory
from tickets.models import Ticket, TicketEvent

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
H = timedelta(hours=1)
Verb = TicketEvent.Verb


def _l1_tickets(count: int, team) -> list[Ticket]:
    return [TicketFactory(now=NOW, tier="L1", team=team) for _ in range(count)]


def _sweep_in_threads(now: datetime, threads: int = 2) -> list[SweepCounts]:
    results: list[SweepCounts] = []
    barrier = threading.Barrier(threads)

    def sweep():
        barrier.wait()
        try:
            # Small batches, so the two sweeps interleave over the same due rows.
            results.append(sla_sweep(now=now, batch=2))
        finally:
            connection.close()

    workers = [threading.Thread(target=sweep) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(results) == threads
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_two_concurrent_sweeps_act_once_per_due_item(team_kitchen, team_lead):
    tickets = _l1_tickets(7, team_kitchen)

    # 4:30 after receipt: first contact breached, first progress update due, for all seven.
    results = _sweep_in_threads(NOW + 4.5 * H)

    assert sum(r.breached for r in results) == 7
    assert sum(r.progress for r in results) == 7
    assert sum(r.failed for r in results) == 0
    for ticket in tickets:
        assert ticket.events.filter(verb=Verb.SLA_BREACHED).count() == 1
        assert ticket.events.filter(verb=Verb.PROGRESS_DUE).count() == 1
        assert CustomerMessage.objects.filter(ticket=ticket, kind="progress").count() == 1
    # And a rerun of both finds nothing left to do.
    assert sum(r.tickets for r in _sweep_in_threads(NOW + 4.5 * H)) == 0


@contextlib.contextmanager
def _broker(redis_url: str):
    """Point the Celery app (publishers and workers) at this Redis for the block."""
    previous = app.conf.broker_url
    app.conf.broker_url = celery_broker_url(redis_url)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        _forget_connections()


def _forget_connections() -> None:
    """Celery and kombu cache connection and producer pools per broker: start afresh."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


def _wait_until_sent(messages: list[CustomerMessage], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        statuses = set(
            CustomerMessage.objects.filter(pk__in=[m.pk for m in messages]).values_list(
                "status", flat=True
            )
        )
        if statuses == {CustomerMessage.Status.SENT}:
            return
        time.sleep(0.1)
    raise AssertionError(f"messages not sent: {statuses}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("role_groups_after_flush")
def test_after_a_redis_outage_the_next_sweep_produces_every_missed_action(
    tmp_path, team_kitchen, team_lead
):
    """Redis (our own, under tmp_path) stops; beat cannot tick; deadlines pass; Redis comes
    back; the next sweep escalates every missed breach and queues every missed progress
    message, which a real worker then sends through the restarted Redis."""
    with embedded_redis(tmp_path) as redis_url, _broker(redis_url):
        tickets = _l1_tickets(3, team_kitchen)
        sla_sweep(now=NOW)  # all on time

    # Redis is down: the beat tick cannot even be published, so nothing is swept …
    with _broker(redis_url), pytest.raises(Exception):  # noqa: B017 - whatever kombu raises
        sla_tick.apply_async(retry=False)
    # … while first contact (1 h) and two progress updates (4 h, 8 h) fall due.
    outage_ends = NOW + 9 * H

    with (
        embedded_redis(tmp_path) as redis_url,
        _broker(redis_url),
        start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"),
    ):
        counts = sla_sweep(now=outage_ends)
        _wait_until_sent(list(CustomerMessage.objects.filter(kind="progress")))

    assert (counts.tickets, counts.breached, counts.progress, counts.failed) == (3, 3, 1 * 3, 0)
    for ticket in tickets:
        [breach] = ticket.events.filter(verb=Verb.SLA_BREACHED)
        assert breach.payload["to_user"] == team_lead.pk
        [message] = CustomerMessage.objects.filter(ticket=ticket, kind="progress")
        assert message.slot == progress_slot(NOW + 4 * H)
        [reminder] = ticket.events.filter(verb=Verb.PROGRESS_DUE)
        assert reminder.payload["missed_slots"] == 1  # 8 h folded into the one message
        ticket.refresh_from_db()
        assert ticket.next_progress_due_at == NOW + 12 * H
    assert sla_sweep(now=outage_ends).tickets == 0
