"""Early alerts (issue 8 §4): the threshold and spike rules per model + batch and per tag."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from knowledge.models import Alert
from knowledge.selectors.alerts import alert_tickets, month_window
from knowledge.services.alerts import alert_acknowledge, alert_rules, alerts_check, is_spike
from tests.tickets.factories import CustomerFactory, ProductFactory, TagFactory
from tickets.models import Ticket, TicketTag

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def at(*args: int) -> datetime:
    """A Shanghai wall-clock time."""
    return datetime(*args, tzinfo=SHANGHAI)


def make_tickets(n: int, *, received_at: datetime, product=None, batch: str = "", **fields):
    """`n` tickets in one INSERT: alerts read received_at, product, batch, tier and tags only."""
    customer = fields.pop("customer", None) or CustomerFactory()
    return Ticket.objects.bulk_create(
        Ticket(
            number=f"T-AL-{next(_numbers):06d}",
            channel=Ticket.Channel.PHONE,
            customer=customer,
            description="洗衣机脱水时噪音很大",
            product=product,
            batch=batch,
            received_at=received_at,
            **fields,
        )
        for _ in range(n)
    )


def tag_all(tickets, tag, state=TicketTag.State.CONFIRMED):
    TicketTag.objects.bulk_create(
        TicketTag(ticket=t, tag=tag, source=TicketTag.Source.AUTO, state=state) for t in tickets
    )


NOW = at(2026, 10, 20, 12, 0)


@pytest.fixture
def product(db):
    return ProductFactory(model_code="XQG100-B1", name="滚筒洗衣机")


def test_five_tickets_in_a_month_raise_nothing(product):
    make_tickets(5, received_at=at(2026, 10, 3, 10), product=product, batch="2309-B01")
    assert alerts_check(now=NOW) == []
    assert not Alert.objects.exists()


def test_six_tickets_of_one_model_and_batch_raise_a_threshold_alert(product):
    make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch="2309-B01")

    [alert] = alerts_check(now=NOW)

    assert (alert.kind, alert.rule) == (Alert.Kind.BATCH, Alert.Rule.THRESHOLD)
    assert (alert.product, alert.batch, alert.count) == (product, "2309-B01", 6)
    assert alert.period_start == at(2026, 10, 1) and alert.period_end == at(2026, 11, 1)
    assert alert.created_at == NOW


def test_threshold_comes_from_the_setting(product, settings):
    settings.KNOWLEDGE_ALERT_THRESHOLD = 2
    make_tickets(3, received_at=at(2026, 10, 3, 10), product=product, batch="B1")
    assert [a.rule for a in alerts_check(now=NOW)] == [Alert.Rule.THRESHOLD]


def test_suggestions_empty_batches_and_other_batches_do_not_count(product):
    make_tickets(5, received_at=at(2026, 10, 3, 10), product=product, batch="B1")
    make_tickets(3, received_at=at(2026, 10, 3, 10), product=product, batch="B1", tier="S")
    make_tickets(9, received_at=at(2026, 10, 3, 10), product=product, batch="")
    make_tickets(4, received_at=at(2026, 10, 3, 10), product=product, batch="B2")
    make_tickets(9, received_at=at(2026, 10, 3, 10), product=None, batch="B1")
    assert alerts_check(now=NOW) == []


def test_month_boundary_is_shanghai_midnight(product):
    """23:30 on 31 October in Shanghai is 15:30 UTC: October's, whatever UTC says."""
    make_tickets(5, received_at=at(2026, 10, 2, 9), product=product, batch="B1")
    make_tickets(1, received_at=at(2026, 10, 31, 23, 30), product=product, batch="B1")
    make_tickets(2, received_at=at(2026, 11, 1, 0, 0), product=product, batch="B1")

    [october] = alerts_check(now=at(2026, 10, 31, 23, 45))
    assert october.count == 6

    # November, 00:30 on the 1st: its two tickets, no alert; October's stays as it was.
    assert alerts_check(now=at(2026, 11, 1, 0, 30)) == []
    assert list(Alert.objects.values_list("count", flat=True)) == [6]


def test_september_tickets_at_1630_utc_on_the_30th_belong_to_october(product):
    # 2026-09-30 16:30 UTC is 00:30 on 1 October in Shanghai.
    make_tickets(
        6,
        received_at=datetime(2026, 9, 30, 16, 30, tzinfo=ZoneInfo("UTC")),
        product=product,
        batch="B1",
    )
    [alert] = alerts_check(now=NOW)
    assert alert.period_start == at(2026, 10, 1)


def test_rerun_creates_nothing_and_updates_the_count(product):
    make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch="B1")
    [alert] = alerts_check(now=NOW)

    assert alerts_check(now=NOW) == []
    make_tickets(2, received_at=at(2026, 10, 21, 10), product=product, batch="B1")
    assert alerts_check(now=at(2026, 10, 22, 9)) == []

    alert.refresh_from_db()
    assert alert.count == 8
    assert alert.created_at == NOW  # raised once, when first seen
    assert Alert.objects.count() == 1


def test_tag_alert_counts_suggested_and_confirmed_once_per_ticket_not_rejected(db):
    tag = TagFactory(name="脱水异响")
    other = TagFactory(name="漏水")
    confirmed = make_tickets(4, received_at=at(2026, 10, 5, 10))
    suggested = make_tickets(2, received_at=at(2026, 10, 6, 10))
    rejected = make_tickets(3, received_at=at(2026, 10, 7, 10))
    tag_all(confirmed, tag)
    tag_all(suggested, tag, TicketTag.State.SUGGESTED)
    tag_all(rejected, tag, TicketTag.State.REJECTED)
    tag_all(confirmed, other)  # a second tag on the same tickets is another subject

    [alert] = alerts_check(now=NOW)

    assert (alert.kind, alert.tag, alert.count) == (Alert.Kind.TAG, tag, 6)
    assert alert.product is None and alert.batch == ""
    assert set(alert_tickets(alert=alert)) == set(confirmed) | set(suggested)


def test_alert_tickets_are_the_counted_ones(product):
    counted = make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch="B1")
    make_tickets(2, received_at=at(2026, 10, 3, 10), product=product, batch="B1", tier="S")
    make_tickets(2, received_at=at(2026, 9, 30, 10), product=product, batch="B1")
    make_tickets(2, received_at=at(2026, 10, 3, 10), product=product, batch="B2")
    alerts_check(now=NOW)
    alert = Alert.objects.get(rule=Alert.Rule.THRESHOLD)
    assert set(alert_tickets(alert=alert)) == set(counted)


# The spike rule: the count so far against the baseline scaled to the share of the month gone.


@pytest.mark.parametrize(
    ("count", "baseline", "share", "expected"),
    [
        (3, 1.0, 1.0, True),  # three times its monthly average, month over
        (2, 0.5, 1.0, False),  # three times, but below the minimum count
        (3, 1.0, 0.5, True),  # halfway through: 3 against 0.5 expected
        (4, 2.0, 0.5, True),  # 4 ≥ 3 × 2 × 0.5
        (2, 2.0, 0.5, False),  # below the minimum count
        (5, 2.0, 1.0, False),  # 5 < 3 × 2: a busy month, not a spike
        (9, 0.0, 0.5, False),  # no baseline to rise against: the threshold rule's job
    ],
)
def test_is_spike(count, baseline, share, expected, settings):
    assert is_spike(count=count, baseline=baseline, share=share, rules=alert_rules()) is expected


def test_spike_against_its_own_baseline_halfway_through_the_month(product):
    # One ticket a month for three months: a baseline of 1.
    for month in (7, 8, 9):
        make_tickets(1, received_at=at(2026, month, 10, 10), product=product, batch="B1")
    make_tickets(3, received_at=at(2026, 10, 10, 10), product=product, batch="B1")

    [alert] = alerts_check(now=at(2026, 10, 16, 12))

    assert (alert.rule, alert.count, alert.baseline) == (Alert.Rule.SPIKE, 3, 1.0)


def test_a_busy_but_steady_subject_is_no_spike(product):
    for month in (7, 8, 9):
        make_tickets(4, received_at=at(2026, month, 10, 10), product=product, batch="B1")
    make_tickets(5, received_at=at(2026, 10, 10, 10), product=product, batch="B1")
    assert alerts_check(now=at(2026, 10, 31, 12)) == []


def test_baseline_ignores_months_before_the_baseline_window(product):
    make_tickets(30, received_at=at(2026, 6, 10, 10), product=product, batch="B1")  # June: out
    make_tickets(1, received_at=at(2026, 9, 10, 10), product=product, batch="B1")
    make_tickets(3, received_at=at(2026, 10, 2, 10), product=product, batch="B1")
    [alert] = alerts_check(now=NOW)
    assert alert.rule == Alert.Rule.SPIKE
    assert alert.baseline == pytest.approx(1 / 3)


def test_spike_and_threshold_are_two_alerts_of_one_subject(product):
    make_tickets(1, received_at=at(2026, 9, 10, 10), product=product, batch="B1")
    make_tickets(7, received_at=at(2026, 10, 2, 10), product=product, batch="B1")
    rules = sorted(alert.rule for alert in alerts_check(now=NOW))
    assert rules == [Alert.Rule.SPIKE, Alert.Rule.THRESHOLD]


def test_counting_is_one_group_by_per_subject_kind_and_window(product, django_assert_num_queries):
    for batch in ("B1", "B2", "B3"):
        make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch=batch)
    alerts_check(now=NOW)  # created
    # A rerun: 2 counts for the month, 2 for the baselines, per hit a locked read, and the
    # service's savepoint and its release (the test runs in a transaction).
    with django_assert_num_queries(4 + 3 + 2):
        alerts_check(now=NOW)


def test_acknowledge_records_who_and_is_a_no_op_the_second_time(product, manager):
    make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch="B1")
    [alert] = alerts_check(now=NOW)
    alert_acknowledge(alert=alert, actor=manager, now=at(2026, 10, 21, 9))
    alert_acknowledge(alert=alert, actor=manager, now=at(2026, 10, 22, 9))
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == (manager, at(2026, 10, 21, 9))


def test_month_window_of_december_ends_in_january():
    window = month_window(at(2026, 12, 31, 23).date())
    assert (window.start, window.end) == (at(2026, 12, 1), at(2027, 1, 1))
