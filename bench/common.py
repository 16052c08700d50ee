"""Shared helpers for the benchmarks: run a child process and measure it, describe the machine."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent


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
