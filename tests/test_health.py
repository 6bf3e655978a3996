from datetime import UTC, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.urls import reverse

from aftersales.celery import app
from aftersales.health import BEAT_TICK_KEY, beat_tick_record, health_report
from aftersales.tasks import beat_heartbeat

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def clean_tick():
    cache.delete(BEAT_TICK_KEY)
    yield
    cache.delete(BEAT_TICK_KEY)


def test_healthz_names_database_redis_and_beat(client, db, clean_tick):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert body["beat"] == {"last_tick_at": None, "age_seconds": None, "ok": False}


def test_beat_tick_age_is_reported(db, clean_tick):
    beat_tick_record(now=NOW)
    assert health_report(now=NOW + timedelta(seconds=30))["beat"]["ok"] is True
    stale = health_report(now=NOW + timedelta(minutes=10))["beat"]
    assert stale["ok"] is False and stale["age_seconds"] == 600.0


@pytest.mark.django_db(transaction=True)
def test_heartbeat_runs_through_the_real_broker_and_worker(clean_tick):
    """The task goes through Redis to a real Celery worker, which records the tick."""
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        beat_heartbeat.delay()
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while cache.get(BEAT_TICK_KEY) is None and datetime.now(UTC) < deadline:
            pass
    assert cache.get(BEAT_TICK_KEY) is not None


def test_beat_schedule_includes_the_heartbeat():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "aftersales.tasks.beat_heartbeat" in tasks


def test_a_fresh_worker_process_registers_every_scheduled_task():
    """What `celery worker` loads at boot, in a new interpreter, not this test's imports."""
    import os
    import subprocess
    import sys

    code = (
        "from aftersales.celery import app; app.loader.import_default_modules(); "
        "print('\\n'.join(sorted(app.tasks)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    ).stdout.split()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in out
