import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from aftersales.celery import app
from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_queue
from feedback.tasks import message_dispatch, message_sweep


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_sent_by_a_real_worker_through_redis(quiet_ticket):
    """Commit → on_commit → Redis → a real Celery worker → the log backend."""
    ticket = quiet_ticket()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        with transaction.atomic():
            message = message_queue(ticket=ticket, kind=MessageKind.PROGRESS, slot="worker")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.status == CustomerMessage.Status.SENT:
                break
            time.sleep(0.1)
    assert message.status == CustomerMessage.Status.SENT
    assert message.provider_message_id == f"log-{message.pk}"


def test_the_sweeper_is_scheduled_every_minute():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == message_sweep.name]
    assert [entry["schedule"] for entry in entries] == [60.0]
    assert message_dispatch.name == "feedback.tasks.message_dispatch"
