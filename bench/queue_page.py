"""The ticket queues' first page at scale, as a ratio to the same page at a small scale.

Run inside the embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL):
1. Fill a fresh database with SMALL tickets (INSERT … SELECT generate_series: every column from
   the model, as in bench/sla_sweep.py) over 10 teams, statuses and due times spread so that
   every queue has rows; an agent and a manager in the first team.
2. Time the first page of "My team", "Breaching soon" and "All" for each (Django test client
   in-process, server time): median of 5 after a warm-up, with the query count.
3. Grow to LARGE tickets and time the same pages: the ratio large/small.
Print and write JSON (bench/results/queue_page.json). Targets: ≤ 50 ms, ratio ≤ 1.5.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import django
from ticket_rows import tickets_insert

ROOT = Path(__file__).resolve().parent.parent
SMALL = int(os.environ.get("BENCH_QUEUE_SMALL", "10000"))
LARGE = int(os.environ.get("BENCH_QUEUE_LARGE", "1000000"))
TEAMS = 10
QUEUES = ("team", "breaching", "all")
ROLES = ("agent", "manager")
TARGET_MS = 50
TARGET_RATIO = 1.5


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(count: int, start: int, *, now, customer_id: int, team_ids, owner_id: int) -> None:
    """Insert `count` tickets: 10 teams, 1 in 50 owned by the agent, a fifth closed or
    resolved, first-contact due times from 2 h ago to ~7 days ahead (1 in 500 due soon)."""
    overrides = {
        "number": "'Q-' || lpad(g::text, 8, '0')",
        "channel": "'phone'",
        "customer_id": str(customer_id),
        "team_id": f"(ARRAY{list(team_ids)}::bigint[])[1 + mod(g, {TEAMS})]",
        "owner_id": f"CASE WHEN mod(g, 50) = 0 THEN {owner_id} END",
        "description": "'压测工单：洗衣机脱水时异响'",
        "status": "(ARRAY['new','contacted','in_progress','new','resolved','closed',"
        "'in_progress','new','contacted','waiting_parts'])[1 + mod(g / 7, 10)]",
        "tier": "(ARRAY['L1','L2','L3','L3'])[1 + mod(g, 4)]",
        "category": "'quality'",
        "received_at": "%(now)s - mod(g, 86400) * interval '60 seconds'",
        "first_contact_due_at": (
            "%(now)s + (mod(g::bigint * 7919, 10000) - 120) * interval '1 minute'"
        ),
        "resolve_due_at": "%(now)s + (mod(g::bigint * 7919, 10000) + 2880) * interval '1 minute'",
        "callback_due_at": "%(now)s + interval '3 days'",
        "first_contacted_at": (
            "CASE WHEN mod(g, 3) = 0 THEN NULL ELSE %(now)s - interval '1 day' END"
        ),
    }
    tickets_insert(count=count, start=start, now=now, overrides=overrides)


def _users(team_ids):
    from django.contrib.auth.models import Group

    from tickets.models import Team, User

    users = {}
    for role in ROLES:
        user, _ = User.objects.get_or_create(username=f"bench_{role}")
        user.groups.set([Group.objects.get(name=role)])
        user.teams.set([Team.objects.get(pk=team_ids[0])])
        users[role] = user
    return users


def _page(user, queue: str, repeat: int = 5) -> dict:
    """The first page as the user gets it: server time in-process, median after a warm-up."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    times, rows = [], 0
    for _ in range(repeat + 1):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/tickets/", {"queue": queue})
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        rows = response.content.count(b'class="ticket-row"')
    ticket_sql = next(q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {ticket_sql}")
        plan = [line for (line,) in cursor.fetchall()]
    return {
        "ms": round(statistics.median(times[1:]) * 1000, 1),
        "queries": len(queries.captured_queries),
        "rows": rows,
        "plan_top": plan[:3],
    }


def _measure(users) -> dict:
    return {f"{role}/{queue}": _page(users[role], queue) for role in ROLES for queue in QUEUES}


def main() -> int:
    _setup()
    from django.db import connection
    from django.utils import timezone

    from tickets.models import Customer, Team, Ticket

    now = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Ticket._meta.db_table} CASCADE")
    customer, _ = Customer.objects.get_or_create(phone="+8613900000001", defaults={"name": "压测"})
    team_ids = [
        Team.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"压测组{i}"})[0].pk
        for i in range(TEAMS)
    ]
    users = _users(team_ids)
    fill = {"now": now, "customer_id": customer.pk, "team_ids": team_ids}
    started = time.perf_counter()
    _fill(SMALL, 1, owner_id=users["agent"].pk, **fill)
    small = _measure(users)
    _fill(LARGE - SMALL, SMALL + 1, owner_id=users["agent"].pk, **fill)
    filled_s = time.perf_counter() - started
    large = _measure(users)
    pages = {
        key: {
            "small_ms": small[key]["ms"],
            "large_ms": large[key]["ms"],
            "ratio_large_to_small": round(large[key]["ms"] / small[key]["ms"], 2),
            "queries": large[key]["queries"],
            "rows": large[key]["rows"],
            "plan_large": large[key]["plan_top"],
        }
        for key in small
    }
    result = {
        "benchmark": "queue_page",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "tickets": {"small": SMALL, "large": LARGE},
        "fill_seconds": round(filled_s, 1),
        "targets": {"large_ms": TARGET_MS, "ratio": TARGET_RATIO},
        "pages": pages,
        "met": all(
            p["large_ms"] <= TARGET_MS and p["ratio_large_to_small"] <= TARGET_RATIO
            for p in pages.values()
        ),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "queue_page.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
