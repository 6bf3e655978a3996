"""Gather every benchmark's JSON into one report: `make bench` runs it first and last.

1. `report.py start` notes when the run began and the load average then (`.run-start`).
2. `report.py` reads every `bench/results/*.json` but its own output, so a benchmark added
   later is gathered too; takes each known benchmark's headline figures with their targets
   (the README's), marks each met or not met, and a result older than the run's start stale.
3. Writes `bench/results/report.json` with the date and the machine, prints a short table.
   A missing or unreadable result is a row saying so, never a crash; it makes the exit code 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPORT = "report.json"
RUN_START = ".run-start"
# The benchmarks `make bench` runs: a missing one is reported, not silently left out.
EXPECTED = ("intake_throughput", "no_ticket_lost", "sla_sweep", "queue_page", "knowledge_search")

Figure = dict


def _figure(
    name: str,
    value: float | int | None,
    unit: str = "",
    target: str | None = None,
    note: str = "",
) -> Figure:
    """One headline figure; target is "<= 150" or ">= 0.5" (or None: shown, not judged)."""
    met = None
    if target is not None and value is not None:
        op, bound = target.split()
        met = value <= float(bound) if op == "<=" else value >= float(bound)
    return {"name": name, "value": value, "unit": unit, "target": target, "met": met, "note": note}


def _intake(result: dict) -> list[Figure]:
    accept, sync, noop = (
        result["accept_then_register"],
        result["register_in_request"],
        result["noop"],
    )
    memory = result.get("memory") or {}
    rss_target = memory.get("target_web_worker_rss_mb", 150)
    return [
        # The accepting endpoint is the intake road built for throughput; the others are context.
        _figure(
            "accept ratio to no-op",
            result["ratio_accept_to_noop"],
            target=">= 0.5",
            note=f"p95 {accept['p95_ms']} ms, no-op p95 {noop['p95_ms']} ms, "
            f"{noop['requests']:,} requests a road, "
            f"rounds {result.get('ratio_accept_to_noop_by_round', '-')}",
        ),
        _figure("accept p95", accept["p95_ms"], "ms"),
        _figure(
            "accept ratio, worker registering beside it",
            result.get("ratio_accept_while_registering_to_noop"),
            note="the same road while the Celery worker registers on the same cores",
        ),
        _figure("register-in-request ratio", result["ratio_register_in_request_to_noop"]),
        _figure("register-in-request p95", sync["p95_ms"], "ms"),
        _figure("end-to-end ratio", result["ratio_end_to_end_to_noop"]),
        _figure("no-op", noop["rps"], "req/s"),
        _figure("no-op p95", noop["p95_ms"], "ms"),
        _figure("lost or duplicated", result["lost_or_duplicated"], "", "<= 0"),
        _figure(
            "web worker RSS (max)",
            memory.get("max_web_worker_rss_mb"),
            "MB",
            f"<= {rss_target}",
            note=f"PSS {memory.get('max_web_worker_pss_mb')} MB" if memory else "",
        ),
        _figure("web worker peak RSS (max)", memory.get("max_web_worker_peak_mb"), "MB"),
    ]


def _sla_sweep(result: dict) -> list[Figure]:
    sweep, dashboard = result["sweep"], result["dashboard_page_ms"]
    # A reduced run (BENCH_SLA_LARGE) says so: the sizes are part of the figure.
    size = f"{result['open_tickets']['large']:,} open"
    return [
        _figure("sweep of 1,000 due, large table", sweep["large_s"], "s", "<= 1", note=size),
        _figure("sweep ratio large/small", sweep["ratio_large_to_small"], "", "<= 1.5"),
        _figure("lag due -> action p99", result["lag_due_to_action"]["p99_s"], "s", "<= 60"),
        _figure("dashboard page, large", dashboard["large"], "ms", "<= 200", note=size),
    ]


def _queue_page(result: dict) -> list[Figure]:
    targets = result.get("targets", {})
    pages = result["pages"]
    slowest = max(pages, key=lambda page: pages[page]["large_ms"])
    steepest = max(pages, key=lambda page: pages[page]["ratio_large_to_small"])
    size = f"{result['tickets']['small']:,} -> {result['tickets']['large']:,} tickets"
    return [
        _figure(
            f"slowest page at large ({slowest})",
            pages[slowest]["large_ms"],
            "ms",
            f"<= {targets.get('large_ms', 50)}",
            note=size,
        ),
        _figure(
            f"worst ratio large/small ({steepest})",
            pages[steepest]["ratio_large_to_small"],
            "",
            f"<= {targets.get('ratio', 1.5)}",
            note=size,
        ),
    ]


def _knowledge_search(result: dict) -> list[Figure]:
    target = result.get("target", {}).get("p95_ms_at_large", 50)
    return [
        _figure(
            "p95 at large",
            result["large"]["p95_ms"],
            "ms",
            f"<= {target}",
            note=f"{result['articles']['large']:,} articles",
        ),
        _figure("median ratio large/small", result["ratio_large_to_small_median"]),
    ]


def _no_ticket_lost(result: dict) -> list[Figure]:
    return [
        _figure(
            "tickets lost, doubled or unacknowledged",
            len(result["problems"]),
            target="<= 0",
            note=f"{result['requests']:,} requests, Redis down {result['redis_down_s']} s",
        ),
        _figure("all settled after the last answer", result["settled_after_last_answer_s"], "s"),
    ]


def _other(result: dict) -> list[Figure]:
    """A benchmark report.py does not know yet: its own overall verdict, if it gives one."""
    if isinstance(result.get("met"), bool):
        return [{**_figure("met (its own verdict)", None), "met": result["met"]}]
    return []


EXTRACTORS: dict[str, Callable[[dict], list[Figure]]] = {
    "intake_throughput": _intake,
    "no_ticket_lost": _no_ticket_lost,
    "sla_sweep": _sla_sweep,
    "queue_page": _queue_page,
    "knowledge_search": _knowledge_search,
}


def _benchmark(path: Path, run_started: float | None) -> dict:
    """1. Read and parse. 2. Extract the headline figures. 3. Verdict and freshness."""
    measured = path.stat().st_mtime
    entry: dict = {
        "file": path.name,
        "measured_at": dt.datetime.fromtimestamp(measured, dt.UTC).isoformat(timespec="seconds"),
        "stale": run_started is not None and measured < run_started,
    }
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(result, dict):
            raise TypeError(f"a JSON object was expected, not {type(result).__name__}")
        figures = EXTRACTORS.get(path.stem, _other)(result)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        return {**entry, "status": "malformed", "error": f"{type(error).__name__}: {error}"}
    judged = [f["met"] for f in figures if f["met"] is not None]
    status = "no target" if not judged else "met" if all(judged) else "not met"
    return {**entry, "status": status, "figures": figures}


def gather(results: Path, *, machine: dict, now: dt.datetime) -> dict:
    """The report of every result file in results, for the machine given."""
    started = _run_start(results)
    paths = sorted(p for p in results.glob("*.json") if p.name != REPORT)
    benchmarks = {p.stem: _benchmark(p, started.get("at")) for p in paths}
    for name in EXPECTED:
        if name not in benchmarks:
            benchmarks[name] = {"file": f"{name}.json", "status": "missing"}
    return {
        "date": now.isoformat(timespec="seconds"),
        "run_started": (
            dt.datetime.fromtimestamp(started["at"], dt.UTC).isoformat(timespec="seconds")
            if "at" in started
            else None
        ),
        "machine": {**machine, "load_average_start": started.get("load_average")},
        "benchmarks": dict(sorted(benchmarks.items())),
        "all_met": all(b["status"] in ("met", "no target") for b in benchmarks.values()),
    }


def _run_start(results: Path) -> dict:
    try:
        return json.loads((results / RUN_START).read_text())
    except (OSError, ValueError):
        return {}


def _postgres_version() -> str | None:
    """The server's version, through Django's connection (None when there is no database)."""
    try:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
        sys.path.insert(0, str(ROOT))
        django.setup()
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    except Exception as error:  # the report still stands without it
        return f"unknown ({type(error).__name__})"


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": _postgres_version(),
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
    }


def table(report: dict) -> str:
    """A short plain-text table: one row per figure with a target, one per problem."""
    rows = [("benchmark", "figure", "value", "target", "", "")]
    for name, bench in report["benchmarks"].items():
        if bench["status"] in ("missing", "malformed"):
            rows.append((name, bench["status"], bench.get("error", "")[:60], "", "NOT MET", ""))
            continue
        stale = " (stale)" if bench["stale"] else ""
        for f in bench["figures"]:
            if f["target"] is None and f["met"] is None:
                continue
            value = "-" if f["value"] is None else f"{f['value']} {f['unit']}".strip()
            verdict = {True: "met", False: "NOT MET", None: "not measured"}[f["met"]]
            rows.append((name + stale, f["name"], value, f["target"] or "", verdict, f["note"]))
    widths = [max(len(str(row[i])) for row in rows) for i in range(6)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def main(argv: list[str]) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    if argv[1:] == ["start"]:
        load = [round(x, 2) for x in os.getloadavg()]
        started = {"at": dt.datetime.now(dt.UTC).timestamp(), "load_average": load}
        (RESULTS / RUN_START).write_text(json.dumps(started))
        return 0
    report = gather(RESULTS, machine=machine(), now=dt.datetime.now(dt.UTC))
    (RESULTS / REPORT).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    m = report["machine"]
    print(
        f"{report['date']}  {m['cpus']} CPUs  {m['platform']}  Python {m['python']}  "
        f"PostgreSQL {m['postgresql']}  load {m['load_average_start']} -> {m['load_average_end']}"
    )
    print(table(report))
    broken = [n for n, b in report["benchmarks"].items() if b["status"] in ("missing", "malformed")]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
