"""Intake throughput through the API under gunicorn, as ratios to a no-op DRF endpoint.

Run by `make bench` inside the embedded PostgreSQL/Redis (or DATABASE_URL/REDIS_URL):
1. Migrate, create a bench agent with a token.
2. Start gunicorn (2 sync workers) on a free loopback port and a Celery worker (2 processes),
   as `make run` deploys them: the worker sends acknowledgements and registers submissions.
3. With 8 client threads (keep-alive), POST REQUESTS of each, every 10th complaint sent
   twice (a channel retry):
   - complaints to POST /api/v1/tickets/ (registered in the request, answered with the ticket);
   - with the Celery worker stopped, in ROUNDS alternating rounds: no-op pings (the baseline)
     and complaints to POST /api/v1/intake/submissions/ (accepted with a reserved ticket
     number); then the worker is started and registers every one (the end-to-end rate);
   - the same road again with the worker registering beside it on the same cores.
   Each road starts once the worker has sent the acknowledgements the one before queued.
4. Check: every 2xx has exactly one ticket, retries made none, nothing was lost.
5. After the load, read the memory (VmRSS and its peak VmHWM from /proc/<pid>/status) of
   each gunicorn worker, the master, and the Celery worker's processes (target: every web
   worker ≤ 150 MB RSS).
6. Print and write JSON: requests/s, p50/p95 and the ratios to the no-op; for submissions
   also the worker's registration rate; the memory.
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
ROUNDS = 4  # the no-op and the accepting road alternate this many times
WORKER_NICE = int(os.environ.get("BENCH_WORKER_NICE", "10"))
WEB_WORKER_RSS_TARGET_MB = 150


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


def _complaints(tag: str) -> list[dict]:
    return [
        {
            "channel": "web",
            "external_ref": f"{tag}-{i}",
            "customer_name": "压测客户",
            "phone": f"139{i % 10**8:08d}",
            "description": "洗衣机脱水时噪音很大，已重启过",
            "scene": "脱水时",
            "symptom": "异响",
            "tried": "重启过",
        }
        for i in range(REQUESTS)
    ]


def _merged(runs: list[tuple[float, list[float], dict]]) -> tuple[float, list[float], dict]:
    """Rounds of one road as one run: seconds added, latencies pooled, statuses counted."""
    statuses: dict[int, int] = {}
    for _, _, codes in runs:
        for code, n in codes.items():
            statuses[code] = statuses.get(code, 0) + n
    return sum(r[0] for r in runs), [x for r in runs for x in r[1]], statuses


def _rps(run: tuple[float, list[float], dict]) -> float:
    return len(run[1]) / run[0]


def _figures(seconds: float, latencies: list[float], statuses: dict, requests: int) -> dict:
    return {
        "requests": requests,
        "rps": round(requests / seconds, 1),
        "p50_ms": _p(latencies, 50),
        "p95_ms": _p(latencies, 95),
        "statuses": statuses,
    }


def _start(args: list[str], nice: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [*("nice", "-n", str(nice)), sys.executable, "-m", *args],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def _worker_start() -> subprocess.Popen:
    return _start(
        [
            *("celery", "-A", "aftersales", "worker", "--concurrency", "2"),
            *("--loglevel", "warning", "--without-gossip", "--without-mingle"),
            "--without-heartbeat",
        ],
        nice=WORKER_NICE,
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(60)


def _outbox_idle(run: str, timeout: float = 600) -> None:
    """Wait until the worker has sent every message queued for this run's tickets."""
    from feedback.models import CustomerMessage

    deadline = time.perf_counter() + timeout
    queued = CustomerMessage.objects.filter(
        status=CustomerMessage.Status.QUEUED, ticket__external_ref__contains=f"-{run}-"
    )
    while queued.exists() and time.perf_counter() < deadline:
        time.sleep(0.2)


def _registered_by(prefix: str, expected: int, timeout: float = 600) -> float:
    """Wait until the worker registered every submission; return when (perf_counter)."""
    from intake.models import Submission

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        pending = Submission.objects.filter(
            external_ref__startswith=prefix, state=Submission.State.PENDING
        ).count()
        if pending == 0:
            return time.perf_counter()
        time.sleep(0.05)
    return time.perf_counter()


def _maintenance_done() -> None:
    """Vacuum, analyze and checkpoint before the measured rounds, as pgbench does before its
    runs: the debt the in-request road left (2,200 tickets and their events) would otherwise
    come due, as autovacuum, inside whichever round ran next."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError:  # a role without pg_checkpoint: the rounds run without it
            print("CHECKPOINT refused; measuring without it", file=sys.stderr)


def _children(pid: int) -> list[int]:
    """Direct children of pid, from the parent field of every /proc/<pid>/stat."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses: the fields start after the last ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def _kb(path: str, keys: tuple[str, ...]) -> dict[str, int]:
    lines = Path(path).read_text().splitlines()
    return {
        k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in lines) if k in keys
    }


def _memory_mb(pid: int) -> dict | None:
    """Resident memory now (VmRSS), its peak (VmHWM), and the proportional share of pages
    shared with other processes (Pss) and the private part, in MB; None if pid is gone."""
    try:
        status = _kb(f"/proc/{pid}/status", ("VmRSS", "VmHWM"))
        rollup = _kb(f"/proc/{pid}/smaps_rollup", ("Pss", "Private_Clean", "Private_Dirty"))
    except OSError:
        return None
    return {
        "pid": pid,
        "rss_mb": round(status["VmRSS"] / 1024, 1),
        "peak_mb": round(status["VmHWM"] / 1024, 1),
        "pss_mb": round(rollup["Pss"] / 1024, 1),
        "private_mb": round((rollup["Private_Clean"] + rollup["Private_Dirty"]) / 1024, 1),
    }


def _memory(server_pid: int, worker_pid: int) -> dict:
    """Memory of gunicorn's master and workers and of the Celery worker, with the target."""
    web = [m for pid in _children(server_pid) if (m := _memory_mb(pid))]
    pool = [m for pid in _children(worker_pid) if (m := _memory_mb(pid))]
    worst = max((m["rss_mb"] for m in web), default=None)
    return {
        "web_master": _memory_mb(server_pid),
        "web_workers": web,
        "celery_main": _memory_mb(worker_pid),
        "celery_pool": pool,
        "max_web_worker_rss_mb": worst,
        "max_web_worker_peak_mb": max((m["peak_mb"] for m in web), default=None),
        "max_web_worker_pss_mb": max((m["pss_mb"] for m in web), default=None),
        "target_web_worker_rss_mb": WEB_WORKER_RSS_TARGET_MB,
        "met": worst is not None and worst <= WEB_WORKER_RSS_TARGET_MB,
    }


def main() -> int:
    token = _setup()
    port = _free_port()
    server = _start(
        [
            *("gunicorn", "aftersales.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--log-level", "warning"),
        ]
    )
    worker = _worker_start()
    run = uuid.uuid4().hex[:8]
    sync, accept = _complaints(f"bench-{run}"), _complaints(f"bench-async-{run}")
    busy = _complaints(f"bench-busy-{run}")
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Warm both workers: imports, connections, jieba's dictionary (~2 s on first use).
        _load(port, token, "/api/v1/ping/", [{}] * 50)
        warm = [{**c, "external_ref": f"warm-{run}-{i}"} for i, c in enumerate(sync[:16])]
        _load(port, token, "/api/v1/tickets/", warm)
        _load(port, token, "/api/v1/intake/submissions/", warm)
        _registered_by(f"warm-{run}-", len(warm))
        _outbox_idle(run)
        sync_run = _load(port, token, "/api/v1/tickets/", sync + sync[::10])
        _outbox_idle(run)  # the in-request road's acknowledgements, sent before the next road
        # The no-op and the accepting API in alternating rounds, nothing else working on the
        # two cores: the shared machine's drift falls on both alike.
        _stop(worker)
        _maintenance_done()
        noop_rounds, accept_rounds = [], []
        for k in range(ROUNDS):
            chunk = accept[k::ROUNDS]
            noop_rounds.append(_load(port, token, "/api/v1/ping/", [{}] * len(chunk)))
            accept_rounds.append(
                _load(port, token, "/api/v1/intake/submissions/", chunk + chunk[::10])
            )
        noop, accept_run = _merged(noop_rounds), _merged(accept_rounds)
        worker = _worker_start()
        started = time.perf_counter()
        drained = _registered_by(f"bench-async-{run}-", REQUESTS) - started
        _outbox_idle(run)
        # The same road with the worker registering beside it, as on a one-box deployment.
        busy_run = _load(port, token, "/api/v1/intake/submissions/", busy + busy[::10])
        _registered_by(f"bench-busy-{run}-", REQUESTS)
        memory = _memory(server.pid, worker.pid)
    finally:
        server.terminate()
        server.wait(10)
        _stop(worker)

    from intake.models import Submission
    from tickets.models import Ticket

    sent = REQUESTS + len(sync[::10])
    result = {
        "benchmark": "intake_throughput",
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "concurrency": CONCURRENCY,
        "noop": _figures(*noop, REQUESTS),
        "register_in_request": _figures(*sync_run, sent),
        "accept_then_register": {
            **_figures(*accept_run, sent),
            "all_registered_after_s": round(drained, 2),
            "end_to_end_tickets_per_s": round(REQUESTS / drained, 1),
        },
        "accept_while_registering": _figures(*busy_run, sent),
    }
    checks = {
        "register_in_request": (
            Ticket.objects.filter(external_ref__startswith=f"bench-{run}-").count(),
            sync_run[2],
        ),
        "accept_then_register": (
            Ticket.objects.filter(external_ref__startswith=f"bench-async-{run}-").count(),
            accept_run[2],
        ),
        "accept_while_registering": (
            Ticket.objects.filter(external_ref__startswith=f"bench-busy-{run}-").count(),
            busy_run[2],
        ),
    }
    lost = 0
    for name, (stored, statuses) in checks.items():
        ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
        result[name]["tickets_stored"] = stored
        lost += abs(stored - REQUESTS) + (sent - ok)
    failed = Submission.objects.filter(
        external_ref__contains=f"-{run}-", state=Submission.State.FAILED
    ).count()
    result["tickets_expected_each"] = REQUESTS
    result["lost_or_duplicated"] = lost + failed
    noop_rps = result["noop"]["rps"]
    result["ratio_register_in_request_to_noop"] = round(
        result["register_in_request"]["rps"] / noop_rps, 3
    )
    result["ratio_accept_to_noop"] = round(result["accept_then_register"]["rps"] / noop_rps, 3)
    result["ratio_accept_to_noop_by_round"] = [
        round(_rps(accepted) / _rps(pinged), 3)
        for pinged, accepted in zip(noop_rounds, accept_rounds, strict=True)
    ]
    result["ratio_accept_while_registering_to_noop"] = round(
        result["accept_while_registering"]["rps"] / noop_rps, 3
    )
    result["ratio_end_to_end_to_noop"] = round(
        result["accept_then_register"]["end_to_end_tickets_per_s"] / noop_rps, 3
    )
    result["memory"] = memory
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "intake_throughput.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["lost_or_duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
