"""bench/report.py gathers made-up result files (figures, targets, missing and broken files);
the intake benchmark reads a child process's memory."""

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = _load("report")

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
MACHINE = {"cpus": 2, "platform": "Linux", "python": "3.11.7", "postgresql": "16.4"}


def _intake(*, ratio: float = 0.6, rss: float | None = 120.0) -> dict:
    road = {"rps": 90.0, "p50_ms": 50.0, "p95_ms": 140.0}
    result = {
        "noop": {"requests": 300, "rps": 150.0, "p50_ms": 30.0, "p95_ms": 60.0},
        "register_in_request": {**road, "rps": 20.0},
        "accept_then_register": road,
        "lost_or_duplicated": 0,
        "ratio_register_in_request_to_noop": 0.133,
        "ratio_accept_to_noop": ratio,
        "ratio_end_to_end_to_noop": 0.2,
    }
    if rss is not None:
        result["memory"] = {
            "max_web_worker_rss_mb": rss,
            "max_web_worker_peak_mb": rss + 5,
            "target_web_worker_rss_mb": 150,
        }
    return result


SLA = {
    "open_tickets": {"small": 10000, "large": 1000000},
    "sweep": {"large_s": 0.8, "ratio_large_to_small": 1.1},
    "lag_due_to_action": {"p99_s": 29.7},
    "dashboard_page_ms": {"large": 90.0},
}
QUEUE = {
    "tickets": {"small": 10000, "large": 1000000},
    "targets": {"large_ms": 50, "ratio": 1.5},
    "pages": {
        "agent/all": {"large_ms": 45.0, "ratio_large_to_small": 1.9},
        "manager/all": {"large_ms": 60.0, "ratio_large_to_small": 1.2},
    },
}
SEARCH = {
    "articles": {"small": 1000, "large": 50000},
    "target": {"p95_ms_at_large": 50},
    "large": {"p95_ms": 47.3},
    "ratio_large_to_small_median": 1.4,
}


def _write(directory: Path, name: str, content: object) -> Path:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _figures(gathered: dict, name: str) -> dict:
    return {f["name"]: f for f in gathered["benchmarks"][name]["figures"]}


@pytest.fixture
def results(tmp_path: Path) -> Path:
    _write(tmp_path, "intake_throughput.json", _intake())
    _write(tmp_path, "sla_sweep.json", SLA)
    _write(tmp_path, "queue_page.json", QUEUE)
    _write(tmp_path, "knowledge_search.json", SEARCH)
    return tmp_path


def test_every_figure_is_judged_against_its_target(results):
    gathered = report.gather(results, machine=MACHINE, now=NOW)

    assert gathered["date"] == "2026-11-23T12:00:00+00:00"
    assert gathered["machine"]["postgresql"] == "16.4"
    intake = _figures(gathered, "intake_throughput")
    ratio = intake["accept ratio to no-op"]
    assert (ratio["value"], ratio["target"], ratio["met"]) == (0.6, ">= 0.5", True)
    assert "p95 140.0 ms" in ratio["note"]
    assert intake["accept p95"]["value"] == 140.0
    assert intake["web worker RSS (max)"]["met"] is True
    assert intake["lost or duplicated"]["met"] is True
    assert gathered["benchmarks"]["sla_sweep"]["status"] == "met"
    # The size measured travels with the figure: a reduced run cannot pass for a full one.
    assert _figures(gathered, "sla_sweep")["sweep of 1,000 due, large table"]["note"] == (
        "1,000,000 open"
    )
    assert gathered["benchmarks"]["knowledge_search"]["status"] == "met"
    # The queue: the slowest page misses 50 ms, the steepest misses the ratio; each is named.
    queue = _figures(gathered, "queue_page")
    assert queue["slowest page at large (manager/all)"]["met"] is False
    assert queue["worst ratio large/small (agent/all)"]["met"] is False
    assert gathered["benchmarks"]["queue_page"]["status"] == "not met"
    assert gathered["all_met"] is False


def test_worker_memory_over_the_target_is_not_met_and_absent_memory_is_not_measured(results):
    _write(results, "intake_throughput.json", _intake(rss=151.0))
    over = report.gather(results, machine=MACHINE, now=NOW)
    assert _figures(over, "intake_throughput")["web worker RSS (max)"]["met"] is False
    assert over["benchmarks"]["intake_throughput"]["status"] == "not met"

    _write(results, "intake_throughput.json", _intake(rss=None))
    absent = report.gather(results, machine=MACHINE, now=NOW)
    figure = _figures(absent, "intake_throughput")["web worker RSS (max)"]
    assert (figure["value"], figure["met"]) == (None, None)
    assert "not measured" in report.table(absent)


def test_intake_below_half_the_noop_is_not_met(results):
    _write(results, "intake_throughput.json", _intake(ratio=0.49))
    gathered = report.gather(results, machine=MACHINE, now=NOW)
    assert _figures(gathered, "intake_throughput")["accept ratio to no-op"]["met"] is False


def test_missing_and_malformed_results_are_reported_not_raised(results):
    (results / "knowledge_search.json").unlink()
    _write(results, "sla_sweep.json", "{not json")
    _write(results, "queue_page.json", {"pages": {}})  # valid JSON, no pages to judge
    _write(results, "intake_throughput.json", [1, 2])

    gathered = report.gather(results, machine=MACHINE, now=NOW)

    benchmarks = gathered["benchmarks"]
    assert benchmarks["knowledge_search"]["status"] == "missing"
    assert benchmarks["sla_sweep"]["status"] == "malformed"
    assert benchmarks["sla_sweep"]["error"].startswith("JSONDecodeError")
    assert benchmarks["queue_page"]["status"] == "malformed"
    assert benchmarks["intake_throughput"]["status"] == "malformed"
    assert gathered["all_met"] is False
    rows = {line.split()[0]: line.split()[1] for line in report.table(gathered).splitlines()}
    assert rows["knowledge_search"] == "missing"
    assert rows["sla_sweep"] == "malformed"


def test_a_later_benchmark_is_gathered_and_the_report_itself_is_skipped(results):
    _write(results, "new_bench.json", {"met": True, "figure": 3})
    _write(results, "report.json", {"stale": "report"})

    gathered = report.gather(results, machine=MACHINE, now=NOW)

    assert set(gathered["benchmarks"]) == {*report.EXPECTED, "new_bench"}
    assert gathered["benchmarks"]["new_bench"]["status"] == "met"


def test_a_result_older_than_the_run_start_is_stale(results):
    started = NOW.timestamp()
    _write(results, report.RUN_START, {"at": started, "load_average": [0.5, 0.4, 0.3]})
    old = results / "sla_sweep.json"
    os.utime(old, (started - 60, started - 60))
    os.utime(results / "queue_page.json", (started + 60, started + 60))

    gathered = report.gather(results, machine=MACHINE, now=NOW)

    assert gathered["benchmarks"]["sla_sweep"]["stale"] is True
    assert gathered["benchmarks"]["queue_page"]["stale"] is False
    assert gathered["machine"]["load_average_start"] == [0.5, 0.4, 0.3]
    assert "sla_sweep (stale)" in report.table(gathered)


def test_main_writes_the_report_and_fails_on_a_missing_result(results, monkeypatch, capsys):
    (results / "queue_page.json").unlink()
    monkeypatch.setattr(report, "RESULTS", results)
    monkeypatch.setattr(report, "machine", lambda: {**MACHINE, "load_average_end": [1, 1, 1]})

    assert report.main(["report.py", "start"]) == 0
    assert report.main(["report.py"]) == 1

    written = json.loads((results / "report.json").read_text())
    assert written["benchmarks"]["queue_page"]["status"] == "missing"
    assert written["run_started"] is not None
    assert "queue_page" in capsys.readouterr().out


def test_intake_benchmark_finds_a_child_and_reads_its_memory():
    intake = _load("intake_throughput")
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert child.pid in intake._children(os.getpid())
        memory = intake._memory_mb(child.pid)
        assert memory["pid"] == child.pid
        assert 0 < memory["private_mb"] <= memory["rss_mb"] <= memory["peak_mb"]
    finally:
        child.communicate(b"")
    assert intake._memory_mb(child.pid) is None  # reaped: gone from /proc
