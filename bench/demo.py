"""Benchmark ``lindung demo --no-serve``: first run into an empty data folder, then the reuse run.

Usage (from the repository root): ``.venv/bin/python bench/demo.py --runs 3``

Each run gets a fresh temporary ``LINDUNG_DATA_DIR`` (embedded SQLite, whatever ``DATABASE_URL``
says in your shell) and runs the CLI as a subprocess, so start-up, ``migrate``, the region load
and the demo data all count, as they do for a user. Next to it, a raw baseline: the same number of
worker-sized rows written with ``sqlite3.executemany`` into a bare table, i.e. the floor that no
ORM-level loader can beat on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

# Python puts this script's folder first on sys.path, so the sibling module imports as "common".
from common import Measurement, git_revision, lindung_executable, machine_summary, median, run_measured

DEFAULT_WORKERS = 75_489


def demo_runs(*, workers: int, runs: int, keep: bool) -> tuple[list[Measurement], list[Measurement]]:
    lindung = lindung_executable()
    first, second = [], []
    for run in range(1, runs + 1):
        data_dir = Path(tempfile.mkdtemp(prefix="lindung-bench-demo-"))
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        # A fixed password: the run must not depend on (or print) a random one.
        env |= {"LINDUNG_DATA_DIR": str(data_dir), "LINDUNG_DEMO_PASSWORD": "bench-password-1"}
        argv = [lindung, "demo", "--no-serve", "--workers", str(workers)]
        try:
            first.append(run_measured(argv, env=env, log=data_dir / "first.log"))
            second.append(run_measured(argv, env=env, log=data_dir / "second.log"))
        finally:
            if not keep:
                shutil.rmtree(data_dir, ignore_errors=True)
        print(
            f"run {run}: first {first[-1].seconds:.1f} s, {first[-1].max_rss_mb:.0f} MB; "
            f"second {second[-1].seconds:.1f} s, {second[-1].max_rss_mb:.0f} MB" + (f" ({data_dir})" if keep else ""),
            flush=True,
        )
    return first, second


def worker_sized_rows(count: int) -> list[tuple[object, ...]]:
    """Rows shaped like ``workers_worker`` (same columns, similar lengths); built before timing."""
    now = dt.datetime(2026, 1, 1, 9).isoformat(sep=" ")
    return [
        (
            f"6101{i % 100:02d}{(i % 28) + 1:02d}0{(i % 9) + 1}85{i % 10000:04d}",
            f"Nama Pekerja {i}",
            "Pemangkat",
            "1985-06-15",
            "L",
            f"Jalan Merdeka No. {i % 150}, RT 003/RW 002",
            f"+62812{i:08d}",
            (i % 10) + 1,
            1_000_000,
            f"610101150610{i % 10000:04d}",
            f"Ibu Pekerja {i}",
            f"61.01.{i % 20 + 1:02d}.2001",
            "61",
            "61.01",
            now,
            now,
        )
        for i in range(count)
    ]


def raw_sqlite_baseline(*, workers: int, runs: int) -> list[float]:
    rows = worker_sized_rows(workers)
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="lindung-bench-raw-") as folder:
            db = sqlite3.connect(Path(folder) / "raw.sqlite3")
            # The same pragmas as Lindung's SQLite settings, so only the ORM/application cost differs.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE worker (id INTEGER PRIMARY KEY, nik TEXT, name TEXT, birth_place TEXT,"
                " birth_date TEXT, sex TEXT, address TEXT, phone TEXT, occupation_id INTEGER,"
                " declared_income INTEGER, kk_number TEXT, mother_maiden_name TEXT, village_code TEXT,"
                " province_code TEXT, regency_code TEXT, created_at TEXT, updated_at TEXT)"
            )
            started = time.perf_counter()
            with db:
                db.executemany(
                    "INSERT INTO worker (nik, name, birth_place, birth_date, sex, address, phone, occupation_id,"
                    " declared_income, kk_number, mother_maiden_name, village_code, province_code,"
                    " regency_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            timings.append(time.perf_counter() - started)
            db.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Repetitions (default 3); medians are reported.")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Demo size (default {DEFAULT_WORKERS}).")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary data folders (and their logs).")
    args = parser.parse_args()

    print(f"machine: {machine_summary()}")
    print(f"revision: {git_revision()}; workers: {args.workers}; runs: {args.runs}", flush=True)
    # Other work on the machine skews wall times; the load average says how much there was.
    load_before = os.getloadavg()[0]
    first, second = demo_runs(workers=args.workers, runs=args.runs, keep=args.keep)
    raw = raw_sqlite_baseline(workers=args.workers, runs=args.runs)
    load_after = os.getloadavg()[0]

    first_s = median([m.seconds for m in first])
    second_s = median([m.seconds for m in second])
    first_mb = max(m.max_rss_mb for m in first)
    second_mb = max(m.max_rss_mb for m in second)
    raw_s = median(raw)
    print()
    print(f"first run (empty database):  median {first_s:.1f} s, peak RSS {first_mb:.0f} MB")
    print(f"second run (reuse):          median {second_s:.1f} s, peak RSS {second_mb:.0f} MB")
    print(f"raw sqlite3 executemany of {args.workers} worker-sized rows: median {raw_s:.2f} s")
    print(f"load average (1 min) before / after: {load_before:.1f} / {load_after:.1f}")
    print()
    print(
        "| date | revision | workers | first run | second run | peak RSS (first / second) | raw sqlite3 rows "
        "| load before / after |"
    )
    print(
        f"| {dt.date.today().isoformat()} | {git_revision()} | {args.workers:,} | {first_s:.1f} s "
        f"| {second_s:.1f} s | {first_mb:.0f} MB / {second_mb:.0f} MB | {raw_s:.2f} s "
        f"| {load_before:.1f} / {load_after:.1f} |"
    )


if __name__ == "__main__":
    main()
