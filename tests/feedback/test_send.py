from datetime import timedelta

import pytest

from feedback.limits import limit_release_at, retry_delay
from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_dispatch_due, message_queue, message_send
from feedback.tasks import message_dispatch
from tests.feedback.conftest import NOW
from tickets.models import TicketEvent

Status = CustomerMessage.Status
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def _progress(ticket, slot, now=NOW):
    return message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=slot, now=now)


def _outbox_log(caplog):
    return [record for record in caplog.records if record.name == "feedback.outbox"]


def test_dispatching_twice_sends_once(quiet_ticket, caplog):
    message = _progress(quiet_ticket(), "a")
    with caplog.at_level("INFO"):
        message_dispatch(message.pk)
        message_dispatch(message.pk)
        again = message_send(message=message, now=NOW + MINUTE)

    assert again.status == Status.SENT and again.attempts == 1
    assert len(_outbox_log(caplog)) == 1


def test_a_task_for_a_deleted_message_does_nothing(db):
    message_dispatch(987654321)


def test_over_the_hourly_limit_a_message_waits_rather_than_being_lost(quiet_ticket, settings):
    settings.OUTBOX_PHONE_LIMIT_PER_HOUR = 2
    ticket = quiet_ticket()
    first, second, third = (_progress(ticket, slot) for slot in "abc")
    message_send(message=first, now=NOW)
    message_send(message=second, now=NOW + 10 * MINUTE)

    limited = message_send(message=third, now=NOW + 20 * MINUTE)

    assert limited.status == Status.RATE_LIMITED
    assert limited.attempts == 0
    # Free again when the first send leaves the rolling hour.
    assert limited.next_attempt_at == NOW + HOUR
    assert message_dispatch_due(now=NOW + HOUR - timedelta(seconds=1)) == 0
    assert message_dispatch_due(now=NOW + HOUR) == 1
    assert message_send(message=third, now=NOW + HOUR).status == Status.SENT


def test_the_daily_limit_counts_every_ticket_of_the_same_phone(quiet_ticket, settings):
    settings.OUTBOX_PHONE_LIMIT_PER_HOUR = 0  # off: only the day counts here
    settings.OUTBOX_PHONE_LIMIT_PER_DAY = 2
    one, other = quiet_ticket(phone="13900001111"), quiet_ticket(phone="13900001111")
    message_send(message=_progress(one, "a"), now=NOW)
    message_send(message=_progress(other, "a"), now=NOW + 3 * HOUR)
    different_phone = _progress(quiet_ticket(phone="13900002222"), "a")

    limited = message_send(message=_progress(one, "b"), now=NOW + 5 * HOUR)

    assert limited.status == Status.RATE_LIMITED
    assert limited.next_attempt_at == NOW + DAY
    assert message_send(message=different_phone, now=NOW + 5 * HOUR).status == Status.SENT


@pytest.mark.parametrize(
    ("offsets", "limit", "expected"),
    [
        ([], 1, None),
        ([0, 10], 3, None),
        ([0, 10, 20], 3, 60),  # full: the oldest must age out
        ([0, 10, 20, 30], 3, 70),  # over (the limit was lowered): two must go
        ([-70, 10, 20], 3, None),  # the first is already out of the hour
        ([0, 10, 20], 0, None),  # 0 switches the limit off
    ],
)
def test_limit_release_at(offsets, limit, expected):
    times = [NOW + offset * MINUTE for offset in offsets]
    release = limit_release_at(times=times, now=NOW + 30 * MINUTE, limit=limit, window=HOUR)
    assert release == (None if expected is None else NOW + expected * MINUTE)


def test_retry_delay_doubles_up_to_the_cap():
    delays = [retry_delay(attempts=n, base=MINUTE, cap=10 * MINUTE) for n in range(1, 7)]
    assert delays == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 10 * MINUTE, 10 * MINUTE]


def test_the_sweeper_enqueues_due_messages_once_and_leases_them(
    quiet_ticket, django_capture_on_commit_callbacks
):
    ticket = quiet_ticket()
    due, later, done = (_progress(ticket, slot) for slot in "abc")
    CustomerMessage.objects.filter(pk=due.pk).update(status=Status.RETRY_WAIT, next_attempt_at=NOW)
    CustomerMessage.objects.filter(pk=later.pk).update(
        status=Status.RETRY_WAIT, next_attempt_at=NOW + MINUTE
    )
    message_send(message=done, now=NOW)

    with django_capture_on_commit_callbacks() as callbacks:
        assert message_dispatch_due(now=NOW) == 1
        assert message_dispatch_due(now=NOW) == 0

    assert len(callbacks) == 1
    due.refresh_from_db()
    assert due.status == Status.QUEUED
    assert due.next_attempt_at == NOW + timedelta(seconds=300)


def test_a_lost_task_is_enqueued_again_when_its_lease_ends(
    quiet_ticket, django_capture_on_commit_callbacks
):
    """Redis lost the task enqueued at queue time: the row in Postgres still knows."""
    message = _progress(quiet_ticket(), "a")
    with django_capture_on_commit_callbacks() as callbacks:
        assert message_dispatch_due(now=NOW + 4 * MINUTE) == 0
        assert message_dispatch_due(now=NOW + 5 * MINUTE) == 1
    assert len(callbacks) == 1
    assert message_send(message=message, now=NOW + 5 * MINUTE).status == Status.SENT


def test_the_sweeper_takes_back_a_message_whose_worker_died_while_sending(quiet_ticket):
    message = _progress(quiet_ticket(), "a")
    CustomerMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, claimed_at=NOW - 10 * MINUTE
    )
    # The redelivered task finds it "sending" and leaves it alone …
    assert message_send(message=message, now=NOW).status == Status.SENDING
    # … the sweeper counts the lost try and queues it again.
    assert message_dispatch_due(now=NOW) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 1)
    assert message.last_error == "worker lost while sending"


def test_a_message_whose_workers_keep_dying_fails_at_the_attempt_limit(quiet_ticket):
    message = _progress(quiet_ticket(), "a")
    CustomerMessage.objects.filter(pk=message.pk).update(attempts=5)

    failed = message_send(message=message, now=NOW)

    assert failed.status == Status.FAILED
    last = TicketEvent.objects.filter(ticket=message.ticket).latest("id")
    assert last.payload["status"] == "failed"
