"""Benchmark the retention run (issue 19): anonymising N expired workers on PostgreSQL, beside a plain UPDATE.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/pdp_retention.py                 # 1,000,000 workers, 3 runs
    flock /tmp/lindung-bench.lock .venv/bin/python bench/pdp_retention.py --rows 20000 --runs 3 --keep

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix 61``,
   ``rules load``), with the registry benchmark's helpers.
2. Loads N synthetic Kalbar workers (``COPY``, registered between November 2022 and November 2026), none ever
   proposed, and one heir for every second worker; ``VACUUM (ANALYZE)``. On ``TODAY`` (1 January 2029) every
   worker has outlived ``retention.never_enrolled_years`` (2 years): all N expire.
3. Times, ``--runs`` times, interleaved so that a change of machine load hits both alike, each inside a
   transaction that is rolled back (so that every run finds the same N workers; the COMMIT is not timed, for
   either), followed by an untimed ``VACUUM (ANALYZE)`` of the two tables:
   - *ours*: ``pdp_retention_run(today=TODAY)`` as the nightly run calls it: the expired workers selected by id
     range with the retention rules as SQL (enrolments, invoices, claims, legal holds), their keyed hashes
     (HMAC-SHA256) computed in Python, written to a temporary table with ``COPY``, then one ``UPDATE ... FROM``
     per chunk on the workers and one ``UPDATE ... WHERE worker_id IN (...)`` on the heirs, enrolments and claims;
     the counts recorded and audited;
   - *raw*: one plain ``UPDATE`` of the same worker columns over the same rows, the NIK's replacement and a
     stand-in hash computed in SQL (``md5``, no key, no rules), then the same heirs' ``UPDATE``: the floor.
4. Prints a Markdown block (also written to ``bench/out/pdp_retention.md``) and drops the database unless
   ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

from billing import load_workers, vacuum_analyze
from common import REPO, add_database_arguments, bench_database, environment_lines, git_revision, publish

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_pdp_retention"
DEFAULT_ROWS = 1_000_000
TARGET_S = 300.0  # issue 19: a million expired workers under 5 minutes
TODAY = dt.date(2029, 1, 1)
OUT = REPO / "bench" / "out" / "pdp_retention.md"

RAW_WORKERS = """
UPDATE workers_worker SET nik = '#' || lpad(id::text, 15, '0'), nik_hash = md5(nik) || md5(nik || 'x'),
    birth_date = date_trunc('year', birth_date)::date, name = '', birth_place = '', address = '', phone = '',
    kk_number = '', mother_maiden_name = '', anonymised_on = %(today)s, updated_at = now()
WHERE anonymised_on IS NULL
"""
RAW_HEIRS = "UPDATE workers_heir SET name = '', nik = '', phone = ''"


class Rollback(Exception):
    pass


def load_heirs() -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO workers_heir (worker_id, name, relation, nik, phone, share)"
            " SELECT id, 'Siti Aminah', 'pasangan', '', '+6281311112222', NULL FROM workers_worker WHERE id % 2 = 0"
        )
        count = cursor.rowcount
    return time.perf_counter() - started, count


def vacuum_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) workers_worker")
        cursor.execute("VACUUM (ANALYZE) workers_heir")


def timed_ours() -> tuple[float, dict[str, int]]:
    from django.db import transaction

    from lindung.pdp.retention import pdp_retention_run

    counts: dict[str, int] = {}
    started = time.perf_counter()
    try:
        with transaction.atomic():
            counts = pdp_retention_run(today=TODAY).as_dict()
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    vacuum_tables()
    return seconds, counts


def timed_raw() -> tuple[float, int]:
    from django.db import connection, transaction

    rows = 0
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(RAW_WORKERS, {"today": TODAY})
            rows = cursor.rowcount
            cursor.execute(RAW_HEIRS)
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    vacuum_tables()
    return seconds, rows


def report(
    *,
    rows: int,
    heirs: int,
    load: tuple[float, float, float, float],
    ours: list[float],
    raw: list[float],
    counts: dict[str, int],
    load_average: tuple[float, float],
) -> str:
    prepare_s, workers_s, heirs_s, vacuum_s = load
    ours_s, raw_s = statistics.median(ours), statistics.median(raw)

    def runs_of(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in values)

    block = [
        f"### Retention run: anonymising {rows:,} expired workers (revision {git_revision()}, "
        f"{dt.date.today().isoformat()})",
        "",
        *environment_lines(load_average),
        f"- Data: schema {prepare_s:.1f} s; {rows:,} workers never proposed {workers_s:.1f} s (`COPY`), {heirs:,} "
        f"heirs {heirs_s:.1f} s; `VACUUM (ANALYZE)` {vacuum_s:.1f} s. On {TODAY} every worker is past "
        "`retention.never_enrolled_years`.",
        f"- Ours anonymised, by kind: {', '.join(f'{kind} {n:,}' for kind, n in counts.items())}. Each run is "
        "rolled back (the COMMIT is timed for neither) and followed by an untimed `VACUUM (ANALYZE)`.",
        "",
        "| figure | median | runs | target | result |",
        "|---|---|---|---|---|",
        f"| raw: one plain `UPDATE` of the same worker columns (NIK and hash made in SQL, no key, no rules) and "
        f"the heirs' | {raw_s:.1f} s | {runs_of(raw)} | | |",
        f"| `pdp_retention_run` (rules as SQL by id range, HMAC-SHA256 in Python, `COPY` to a temporary table, "
        f"`UPDATE ... FROM` per chunk, audit) | {ours_s:.1f} s ({ours_s / raw_s:.1f}× the raw) | {runs_of(ours)} "
        f"| < {TARGET_S:.0f} s | {'pass' if ours_s < TARGET_S else '**FAIL**'} |",
    ]
    return "\n".join(block) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"Expired workers (default {DEFAULT_ROWS:,}).")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs per figure (default 3); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    args = parser.parse_args()
    if args.rows < 1_000:
        parser.error("--rows: at least 1,000")

    with bench_database(args.database_url, prefix="lindung-bench-pdp-retention-", keep=args.keep) as bench:
        print(f"loading {args.rows:,} workers", flush=True)
        workers_s = load_workers(args.rows)
        heirs_s, heirs = load_heirs()
        vacuum_s = vacuum_analyze()
        ours: list[float] = []
        raw: list[float] = []
        counts: dict[str, int] = {}
        for number in range(1, args.runs + 1):
            seconds, _rows = timed_raw()
            raw.append(seconds)
            seconds, counts = timed_ours()
            ours.append(seconds)
            print(f"run {number}: raw {raw[-1]:.1f} s, ours {ours[-1]:.1f} s {counts}", flush=True)
        if counts.get("never_enrolled") != args.rows:
            raise SystemExit(f"expected {args.rows:,} workers anonymised, got {counts}")
        block = report(
            rows=args.rows,
            heirs=heirs,
            load=(bench.prepare_s, workers_s, heirs_s, vacuum_s),
            ours=ours,
            raw=raw,
            counts=counts,
            load_average=(bench.load_before, os.getloadavg()[0]),
        )
        publish(OUT, block)


if __name__ == "__main__":
    main()
