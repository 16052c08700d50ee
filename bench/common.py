"""Shared helpers for the benchmarks: run a child process and measure it, describe the machine, set up and drop
the PostgreSQL database a benchmark runs against (with Django in this process)."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

REPO = Path(__file__).resolve().parent.parent
PROVINCE = "61"  # Kalimantan Barat: the regions every benchmark loads

T = TypeVar("T")


@dataclass(frozen=True)
class Measurement:
    seconds: float
    max_rss_mb: float  # peak resident memory of the child process


def run_measured(
    argv: list[str], *, env: dict[str, str], log: Path | None = None, exit_codes: tuple[int, ...] = (0,)
) -> Measurement:
    """Run ``argv`` to completion; wall time and the child's own peak RSS. An exit code outside ``exit_codes``
    is an error (a refusal that is the expected outcome exits with 1).

    ``os.wait4`` gives the resource usage of this one child, where ``RUSAGE_CHILDREN`` would report
    the maximum over every child waited for so far (the first, larger run would mask the second).
    """
    out: contextlib.AbstractContextManager[IO[bytes] | int] = (
        log.open("wb") if log else contextlib.nullcontext(subprocess.DEVNULL)
    )
    with out as stdout:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.STDOUT, cwd=REPO)
        # Reap the child ourselves: Popen.wait() would not return its resource usage.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in exit_codes:
        where = f"; see {log}" if log else ""
        raise RuntimeError(f"{' '.join(argv)} exited with {proc.returncode}{where}")
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Measurement(seconds=seconds, max_rss_mb=usage.ru_maxrss / divisor)


def median(values: list[float]) -> float:
    return statistics.median(values)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def git_revision() -> str:
    """Short commit, with ``+dirty`` when the work tree has changes (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def machine_summary() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, {memory_gb():.0f} GB RAM; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()}"
    )


def lindung_executable() -> str:
    """The ``lindung`` script installed beside the running interpreter (the project's virtualenv)."""
    candidate = Path(sys.executable).with_name("lindung")
    if not candidate.exists():
        raise SystemExit(f"{candidate} not found: run the benchmark with the project's .venv/bin/python")
    return str(candidate)


def add_database_arguments(parser: argparse.ArgumentParser, default_url: str, *, keep_help: str) -> None:
    """``--database-url`` (dropped and recreated) and ``--keep``, as every PostgreSQL benchmark takes them."""
    parser.add_argument("--database-url", default=default_url, help=f"Dropped and recreated (default {default_url}).")
    parser.add_argument("--keep", action="store_true", help=keep_help)


def publish(out: Path, block: str, *, also: str = "") -> None:
    """Write the Markdown block to ``out`` (under bench/out/) and print it, to paste into BENCHMARKS.md."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(block, encoding="utf-8")
    print()
    print(block)
    print(f"(written to {out.relative_to(REPO)}{also})")


# Statements timed inside Django


@dataclass
class StatementTiming:
    seconds: float
    statements: list[tuple[str, float]]  # (first words of the SQL, seconds), in order

    @property
    def rest(self) -> float:
        """Left after the statements: Python, and the COMMIT (with deferred foreign-key checks, if any)."""
        return self.seconds - sum(s for _sql, s in self.statements)

    def share(self, prefix: str) -> float:
        return sum(s for sql, s in self.statements if sql.startswith(prefix))


class StatementTimer:
    """An ``execute_wrapper`` keeping each statement's time (by its first three words) and, with its parameters,
    the first statement ``capture`` returns something for (the statement to EXPLAIN afterwards)."""

    def __init__(self, capture: Callable[[str, Any], tuple[str, Any] | None]) -> None:
        self.capture = capture
        self.statements: list[tuple[str, float]] = []
        self.insert: tuple[str, Any] | None = None

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((" ".join(sql.split()[:3]), time.perf_counter() - started))
            if self.insert is None:
                self.insert = self.capture(sql, params)

    def timed(self, call: Callable[[], T]) -> tuple[T, StatementTiming]:
        """``call()`` timed, with the time of each statement it sent."""
        from django.db import connection

        self.statements = []
        with connection.execute_wrapper(self):
            started = time.perf_counter()
            result = call()
            seconds = time.perf_counter() - started
        return result, StatementTiming(seconds, list(self.statements))


# Database and environment


def database_name(url: str) -> str:
    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise SystemExit(f"{url} names no database")
    return str(name)


def maintenance_conninfo(url: str) -> str:
    # DROP/CREATE DATABASE cannot run inside the database itself.
    return make_conninfo(url, dbname="postgres")


def recreate_database(url: str) -> None:
    name = sql.Identifier(database_name(url))
    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as conn:
        # FORCE: a --keep run's leftover connections (a psql session) must not make the run fail.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(url: str) -> None:
    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))


def bench_environment(url: str, data_dir: Path) -> dict[str, str]:
    """What both the CLI subprocesses and this process's Django read: the bench database, a throw-away data
    folder (the secret key file and static root land there, not in the checkout) and the test client's host."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lindung.settings",
        "DATABASE_URL": url,
        "LINDUNG_DATA_DIR": str(data_dir),
        "LINDUNG_SECRET_KEY": "bench-registry-not-secret",
        "LINDUNG_ALLOWED_HOSTS": "testserver",
        "LINDUNG_LOG_LEVEL": "WARNING",
    }


def prepare_schema(env: dict[str, str], log_dir: Path) -> float:
    """The real CLI, as an installation runs it; returns the seconds the three commands took together."""
    lindung = lindung_executable()
    seconds = 0.0
    for step, argv in (
        ("migrate", [lindung, "migrate", "--no-input"]),
        ("regions", [lindung, "regions", "load", "--prefix", PROVINCE]),
        ("rules", [lindung, "rules", "load"]),
    ):
        seconds += run_measured(argv, env=env, log=log_dir / f"{step}.log").seconds
    return seconds


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django
    from django.conf import settings

    django.setup()
    # The bench users log in on every run; Argon2 would add ~50 ms per login and nothing to the figures.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def release_database(database_url: str, work_dir: Path, *, keep: bool) -> None:
    """At the end of a benchmark: close Django's connections, then drop the database and logs unless kept."""
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    if keep:
        print(f"kept database {database_name(database_url)} and logs in {work_dir}")
    else:
        drop_database(database_url)
        shutil.rmtree(work_dir, ignore_errors=True)


@dataclass
class BenchDatabase:
    """What ``bench_database`` yields: the throw-away folder, the environment, the load before the run and the
    seconds the schema took (0 when the database was reused)."""

    work_dir: Path
    env: dict[str, str]
    load_before: float
    prepare_s: float = 0.0


@contextlib.contextmanager
def bench_database(
    database_url: str, *, prefix: str, keep: bool, reuse: bool = False, extra_env: dict[str, str] | None = None
) -> Iterator[BenchDatabase]:
    """The start and end every PostgreSQL benchmark shares: a temporary folder (``prefix``), the environment
    (``bench_environment`` plus ``extra_env``), the 1-minute load average; unless ``reuse``, the database dropped,
    recreated and prepared with the real CLI; Django set up in this process. On the way out, whatever happened,
    ``release_database`` (the database and the folder dropped unless ``keep``)."""
    work_dir = Path(tempfile.mkdtemp(prefix=prefix))
    env = {**bench_environment(database_url, work_dir), **(extra_env or {})}
    bench = BenchDatabase(work_dir=work_dir, env=env, load_before=os.getloadavg()[0])
    try:
        if not reuse:
            print(f"database {database_name(database_url)}: recreating, migrating, loading Kalbar regions", flush=True)
            recreate_database(database_url)
            bench.prepare_s = prepare_schema(env, work_dir)
        setup_django(env)
        yield bench
    finally:
        release_database(database_url, work_dir, keep=keep)


# Report


def postgresql_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = str(cursor.fetchone()[0]).split()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = str(cursor.fetchone()[0])
    return f"PostgreSQL {version} (shared_buffers {buffers}, otherwise stock settings)"


def command_line() -> str:
    return shlex.join([os.path.relpath(sys.executable, REPO), *sys.argv])


def environment_lines(load_average: tuple[float, float]) -> list[str]:
    """The report's lines on where and how it ran: machine and PostgreSQL, the command, the load before / after."""
    return [
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gb():.0f} GB RAM; {postgresql_version()}; "
        f"Python {platform.python_version()}, {platform.system()}.",
        f"- Command: `{command_line()}`",
        f"- Load average (1 min) before / after: {load_average[0]:.1f} / {load_average[1]:.1f}.",
    ]
