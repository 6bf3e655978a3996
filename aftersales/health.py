"""Liveness of the parts /healthz reports: database, Redis, and the last beat tick."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

BEAT_TICK_KEY = "health:last-beat-tick"


def beat_tick_record(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    cache.set(BEAT_TICK_KEY, now.isoformat(), timeout=None)


def health_report(*, now: datetime | None = None, beat_stale_after: float = 120.0) -> dict:
    """1. Query the database. 2. Ping Redis and read the beat tick. 3. Summarise."""
    now = now or timezone.now()
    report: dict = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True}
    except Exception as exc:
        report["database"] = {"ok": False, "error": exc.__class__.__name__}
    tick = None
    try:
        tick = cache.get(BEAT_TICK_KEY)
        report["redis"] = {"ok": True}
    except Exception as exc:
        report["redis"] = {"ok": False, "error": exc.__class__.__name__}
    if tick:
        age = (now - datetime.fromisoformat(tick)).total_seconds()
        report["beat"] = {
            "last_tick_at": tick,
            "age_seconds": round(age, 1),
            "ok": age <= beat_stale_after,
        }
    else:
        report["beat"] = {"last_tick_at": None, "age_seconds": None, "ok": False}
    # Beat lagging is worth seeing but does not make the web node unhealthy.
    report["ok"] = report["database"]["ok"] and report["redis"]["ok"]
    return report
