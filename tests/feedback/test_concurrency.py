"""Claims against a second, real database session holding the row lock."""

from contextlib import contextmanager

import psycopg2
import pytest
from django.db import connection

from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_dispatch_due, message_queue, message_send
from tests.feedback.conftest import NOW

Status = CustomerMessage.Status
pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def row_locked_elsewhere(message):
    """Another worker's transaction holding the message's row lock until the block ends."""
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM feedback_customermessage WHERE id = %s FOR UPDATE", [message.pk]
            )
        yield
    finally:
        other.rollback()
        other.close()


def test_send_skips_a_message_another_worker_is_claiming(quiet_ticket, caplog):
    message = message_queue(ticket=quiet_ticket(), kind=MessageKind.SURVEY, now=NOW)
    with caplog.at_level("INFO"), row_locked_elsewhere(message):
        assert message_send(message=message, now=NOW).status == Status.QUEUED
    assert not [r for r in caplog.records if r.name == "feedback.outbox"]
    assert message_send(message=message, now=NOW).status == Status.SENT


def test_the_sweeper_skips_rows_another_sweeper_holds(quiet_ticket):
    ticket = quiet_ticket()
    held, free = (
        message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot=slot, now=NOW) for slot in "ab"
    )
    CustomerMessage.objects.update(status=Status.RETRY_WAIT, next_attempt_at=NOW)

    with row_locked_elsewhere(held):
        assert message_dispatch_due(now=NOW) == 1
    free.refresh_from_db()
    assert free.status == Status.QUEUED
    assert message_dispatch_due(now=NOW) == 1
