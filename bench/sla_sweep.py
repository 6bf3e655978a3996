"""SLA sweep and dashboard at scale, as ratios to the same work at a small scale.

Run by `make bench` inside the embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL):
1. Fill a fresh database with SMALL open tickets (INSERT … SELECT generate_series: every column
   from the model, so the rows are what intake would write), 1,000 of them due now.
2. Sweep once (sla.services.sla_sweep): the time for 1,000 due among SMALL open.
3. Grow to LARGE open tickets, make another 1,000 due, sweep again: the time and the ratio.
4. Lag: due times spread over 5 minutes, a sweep every 30 s of simulated time; the lag of an
   action is (sweep's now − due time) + the sweep's own wall time. p50/p99.
5. The SLA dashboard's page for a manager (in-process, server time): median of 5 at LARGE.
Print and write JSON (bench/results/sla_sweep.json).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import django
from ticket_rows import tickets_insert

ROOT = Path(__file__).resolve().parent.parent
SMALL = int(os.environ.get("BENCH_SLA_SMALL", "10000"))
LARGE = int(os.environ.get("BENCH_SLA_LARGE", "1000000"))
DUE = 1000
BEAT_SECONDS = 30


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(count: int, start: int, *, now, customer_id: int) -> None:
    """Insert `count` open L3 tickets received over the last 60 days, nothing due yet."""
    overrides = {
        "number": "'B-' || lpad(g::text, 8, '0')",
        "channel": "'phone'",
        "customer_id": str(customer_id),
        "description": "'压测工单：洗衣机脱水时异响'",
        "status": "(ARRAY['new','contacted','in_progress'])[1 + mod(g, 3)]",
        "tier": "(ARRAY['L1','L2','L3','L3'])[1 + mod(g, 4)]",
        "category": "'quality'",
        "received_at": "%(now)s - mod(g, 86400) * interval '60 seconds'",
        "first_contact_due_at": "%(now)s + interval '30 days'",
        "resolve_due_at": "%(now)s + interval '60 days'",
        "sla_next_check_at": "%(now)s + interval '20 days'",
        "first_contacted_at": (
            "CASE WHEN mod(g, 3) = 0 THEN NULL ELSE %(now)s - interval '1 day' END"
        ),
    }
    tickets_insert(count=count, start=start, now=now, overrides=overrides)


def _make_due(*, now, offsets: list[float]) -> None:
    """Make len(offsets) tickets' first contact due at now + offset seconds (offset ≤ 0)."""
    from django.db import connection

    from tickets.models import Ticket

    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH picked AS (
                SELECT id, row_number() OVER () AS n FROM {table}
                WHERE first_contacted_at IS NULL AND first_contact_breached_at IS NULL
                  AND status = 'new'
                LIMIT %(count)s
            )
            UPDATE {table} t
            SET first_contact_due_at = %(now)s + make_interval(secs => offsets.o),
                sla_next_check_at = %(now)s + make_interval(secs => offsets.o),
                first_contact_warn_at = NULL, resolve_warn_at = NULL,
                next_progress_due_at = NULL
            FROM picked
            JOIN unnest(%(offsets)s::float8[]) WITH ORDINALITY AS offsets(o, n) USING (n)
            WHERE t.id = picked.id
            """,
            {"count": len(offsets), "now": now, "offsets": offsets},
        )


def _sweep_seconds(now) -> tuple[float, object]:
    from sla.services import sla_sweep

    started = time.perf_counter()
    counts = sla_sweep(now=now)
    return time.perf_counter() - started, counts


def _lag(now) -> dict:
    """Due times spread over 5 minutes; sweeps every BEAT_SECONDS of simulated time."""
    spread = 300
    offsets = [spread * i / DUE for i in range(DUE)]  # due at now + 0 … now + 300 s
    _make_due(now=now, offsets=offsets)
    lags: list[float] = []
    pending = sorted(offsets)
    tick = 0.0
    while pending:
        tick += BEAT_SECONDS
        seconds, _counts = _sweep_seconds(now + timedelta(seconds=tick))
        acted = [o for o in pending if o <= tick]
        pending = [o for o in pending if o > tick]
        lags += [tick - o + seconds for o in acted]
    quantiles = statistics.quantiles(lags, n=100)
    return {"p50_s": round(quantiles[49], 2), "p99_s": round(quantiles[98], 2)}


def _dashboard_compute_ms(repeat: int = 3) -> float:
    """Computing the figures afresh (what beat does once a minute for the managers)."""
    from django.utils import timezone

    from sla.dashboard import dashboard_figures
    from tickets.models import Ticket

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        dashboard_figures(tickets=Ticket.objects.all(), now=timezone.now())
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def _dashboard_ms(repeat: int = 5) -> float:
    """The page as a manager gets it: from the minute's snapshot (the first call fills it)."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from tickets.models import User

    manager, _ = User.objects.get_or_create(username="bench_manager")
    manager.groups.add(Group.objects.get(name="manager"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get("/sla/")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return round(statistics.median(times[1:]) * 1000, 1)


def main() -> int:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from tickets.models import Customer, Ticket

    now = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Ticket._meta.db_table} CASCADE")
    customer, _ = Customer.objects.get_or_create(phone="+8613900000000", defaults={"name": "压测"})
    started = time.perf_counter()
    _fill(SMALL, 1, now=now, customer_id=customer.pk)
    _make_due(now=now, offsets=[-60.0] * DUE)
    small_s, small_counts = _sweep_seconds(now)
    dashboard_small_ms = _dashboard_ms()
    compute_small_ms = _dashboard_compute_ms()
    _fill(LARGE - SMALL, SMALL + 1, now=now, customer_id=customer.pk)
    filled_s = time.perf_counter() - started
    later = now + timedelta(minutes=1)
    _make_due(now=later, offsets=[-60.0] * DUE)
    large_s, large_counts = _sweep_seconds(later)
    lag = _lag(later + timedelta(minutes=1))
    dashboard_large_ms = _dashboard_ms()
    compute_large_ms = _dashboard_compute_ms()
    result = {
        "benchmark": "sla_sweep",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "open_tickets": {"small": SMALL, "large": LARGE},
        "fill_seconds": round(filled_s, 1),
        "due_per_sweep": DUE,
        "sweep": {
            "small_s": round(small_s, 3),
            "large_s": round(large_s, 3),
            "ratio_large_to_small": round(large_s / small_s, 2),
            "acted_small": str(small_counts),
            "acted_large": str(large_counts),
        },
        "lag_due_to_action": {"beat_seconds": BEAT_SECONDS, **lag},
        "dashboard_page_ms": {
            "small": dashboard_small_ms,
            "large": dashboard_large_ms,
            "ratio_large_to_small": round(dashboard_large_ms / dashboard_small_ms, 2),
        },
        "dashboard_figures_compute_ms": {
            "small": compute_small_ms,
            "large": compute_large_ms,
            "ratio_large_to_small": round(compute_large_ms / compute_small_ms, 2),
        },
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "sla_sweep.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
