"""Intake throughput through the API under gunicorn, as a ratio to a no-op DRF endpoint.

Run by `make bench` inside the embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL):
1. Migrate, create a bench agent with a token.
2. Start gunicorn (2 sync workers) on a free loopback port.
3. With 8 client threads (keep-alive), POST REQUESTS no-op pings, then REQUESTS complaints,
   each with a unique external_ref; every 10th complaint is sent twice (a channel retry).
4. Check: every 2xx complaint has exactly one ticket, retries made none, nothing was lost.
5. Print and write JSON: requests/s for both, the ratio, p50/p95 latency.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from tickets.models import User

    call_command("migrate", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench_agent")
    user.groups.add(Group.objects.get(name="agent"))
    return Token.objects.get_or_create(user=user)[0].key


def _load(port: int, token: str, path: str, bodies: list[dict]) -> tuple[float, list[float], dict]:
    """POST each body once from CONCURRENCY threads; return seconds, latencies, status counts."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [bodies[i::CONCURRENCY] for i in range(CONCURRENCY)]

    def worker(chunk: list[dict]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        mine, codes = [], {}
        for body in chunk:
            started = time.perf_counter()
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def _p(latencies: list[float], q: int) -> float:
    return round(statistics.quantiles(latencies, n=100)[q - 1] * 1000, 1)


def main() -> int:
    token = _setup()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "aftersales.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        run = uuid.uuid4().hex[:8]
        complaints = [
            {
                "channel": "web",
                "external_ref": f"bench-{run}-{i}",
                "customer_name": "压测客户",
                "phone": f"139{i % 10**8:08d}",
                "description": "洗衣机脱水时噪音很大，已重启过",
                "scene": "脱水时",
                "symptom": "异响",
                "tried": "重启过",
            }
            for i in range(REQUESTS)
        ]
        retries = complaints[::10]
        # Warm both workers: imports, connections, jieba's dictionary (~2 s on first use).
        _load(port, token, "/api/v1/ping/", [{}] * 50)
        warm = [{**c, "external_ref": f"warm-{run}-{i}"} for i, c in enumerate(complaints[:16])]
        _load(port, token, "/api/v1/tickets/", warm)
        noop_s, noop_lat, noop_codes = _load(port, token, "/api/v1/ping/", [{}] * REQUESTS)
        intake_s, intake_lat, intake_codes = _load(
            port, token, "/api/v1/tickets/", complaints + retries
        )
    finally:
        server.terminate()
        server.wait(10)

    from tickets.models import Ticket

    stored = Ticket.objects.filter(external_ref__startswith=f"bench-{run}-").count()
    ok = sum(n for code, n in intake_codes.items() if 200 <= code < 300)
    result = {
        "benchmark": "intake_throughput",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "concurrency": CONCURRENCY,
        "noop": {
            "requests": REQUESTS,
            "rps": round(REQUESTS / noop_s, 1),
            "p50_ms": _p(noop_lat, 50),
            "p95_ms": _p(noop_lat, 95),
            "statuses": noop_codes,
        },
        "intake": {
            "requests": len(complaints) + len(retries),
            "rps": round((len(complaints) + len(retries)) / intake_s, 1),
            "p50_ms": _p(intake_lat, 50),
            "p95_ms": _p(intake_lat, 95),
            "statuses": intake_codes,
        },
        "tickets_stored": stored,
        "tickets_expected": REQUESTS,
        "lost_or_duplicated": abs(stored - REQUESTS) + (len(complaints) + len(retries) - ok),
    }
    result["ratio_intake_to_noop"] = round(result["intake"]["rps"] / result["noop"]["rps"], 3)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "intake_throughput.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["lost_or_duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
