"""Time the migrations that touch the large tables, on a copy of a database with N workers, and watch their locks.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/migrations.py                       # 1,000,000 workers
    flock /tmp/lindung-bench.lock .venv/bin/python bench/migrations.py --from-database lindung_bench_load
    flock -s /tmp/lindung-bench.lock .venv/bin/python bench/migrations.py --rows 20000 --keep   # quick check

1. The database: a copy (``CREATE DATABASE ... TEMPLATE``) of ``--from-database`` (e.g. the one ``bench/load.py
   --keep`` leaves), or else a new one filled with the billing benchmark's helpers: N workers, one provincial
   programme with N enrolments (5 % proposed, 5 % ended). Either way one month is billed and issued (a line per
   active enrolment), so the invoice lines are large too; then ``VACUUM (ANALYZE)``.
2. Rolls back, with ``lindung migrate <app> <migration>``, every app holding a large table to the migration that
   created it (workers, enrolments, contributions, audit, dashboard: the later ones reshape tables already full),
   which also unapplies what depends on them; the data stays.
3. Applies everything again with ``lindung migrate -v 2`` (the real CLI, in a subprocess), reading its output as
   it comes: each migration's own time (Django prints it) and its start and end on this process's clock. Meanwhile,
   on separate connections:
   - a *lock watcher* reads ``pg_locks`` every 20 ms for the locks the migrating backend holds on the large
     tables (and their partitions): the strongest mode per migration and table, and for how long it was seen;
   - a *reader* per large table runs ``SELECT 1 FROM <table> LIMIT 1`` every 100 ms with ``lock_timeout`` =
     100 ms: a probe that times out was blocked; the longest stretch of blocked probes is how long reading that
     table stopped.
4. Prints a Markdown block (also written to ``bench/out/migrations.md``) and drops the copy unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from billing import create_programme, load_enrolments, load_workers, vacuum_analyze
from common import (
    REPO,
    add_database_arguments,
    bench_environment,
    database_name,
    environment_lines,
    git_revision,
    lindung_executable,
    maintenance_conninfo,
    prepare_schema,
    publish,
    recreate_database,
    release_database,
    run_measured,
    setup_django,
)
from dashboard import vary_enrolments

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.
from psycopg import errors, sql

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_migrations"
DEFAULT_ROWS = 1_000_000
MONTH = dt.date(2026, 7, 1)  # every active enrolment of the billing benchmark's programme is covered then
# Two rounds, each back to the migrations that created the large tables (the ones after them change tables already
# full) and forward again. Two, because rolling workers back past 0003 also unapplies contributions 0001, which drops
# the invoice lines: the first round measures the registry's migrations (the lines' table is recreated empty), then
# a month is billed and the second round measures the contributions' migrations over those lines.
ROUNDS = (
    (("workers", "0002_seed_occupation_categories"), ("enrolments", "0001_initial"), ("audit", "0001_initial")),
    (("contributions", "0001_initial"),),
)
LARGE_TABLES = ("workers_worker", "enrolments_enrolment", "contributions_invoiceline")
APPLICATION_NAME = "lindung-bench-migrate"
TOTAL_TARGET_S = 120.0
READ_BLOCK_LIMIT_S = 3.0  # "a few seconds"
PROBE_EVERY_S = 0.1
LOCKS_EVERY_S = 0.02
# pg_locks modes from the weakest to the strongest; SELECT conflicts only with the last.
MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
OUT = REPO / "bench" / "out" / "migrations.md"


# Data


def copy_database(source: str, url: str) -> None:
    target = sql.Identifier(database_name(url))
    with psycopg.connect(maintenance_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(target))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(target, sql.Identifier(source)))


def bill_one_month() -> int:
    """One month billed and issued for the bench programme; returns the number of lines."""
    from lindung.contributions.billing import invoice_build, invoice_issue
    from lindung.programmes.models import Programme

    programme = Programme.objects.filter(code__startswith="BENCH-").order_by("pk").first()
    if programme is None:
        raise SystemExit("no bench programme in the database: copy one made by bench/load.py or bench/dashboard.py")
    invoice = invoice_build(actor=None, programme=programme, month=MONTH)
    invoice_issue(actor=None, invoice=invoice)
    return invoice.line_count


def table_sizes(url: str) -> dict[str, tuple[int, float]]:
    """Rows (planner's estimate after ANALYZE) and total MB of each large table, partitions included."""
    sizes = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in LARGE_TABLES:
            row = conn.execute(
                "SELECT coalesce(sum(c.reltuples), 0), coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " WHERE c.relkind = 'r' AND (c.relname = %s OR c.relname ~ %s)",
                [table, f"^{table}_[0-9]+$"],
            ).fetchone()
            assert row is not None
            sizes[table] = (int(row[0]), float(row[1]) / 1024 / 1024)
    return sizes


# Watching


@dataclasses.dataclass(frozen=True)
class LockSeen:
    at: float
    table: str
    mode: str


@dataclasses.dataclass(frozen=True)
class Probe:
    table: str
    started: float
    ended: float
    outcome: str  # ok, blocked, missing (the table does not exist at that moment), or an error's name


class Watchers:
    """The lock watcher and one reader per large table, each on its own connection, until ``stop``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.locks: list[LockSeen] = []
        self.probes: list[Probe] = []
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._watch_locks)] + [
            threading.Thread(target=self._read, args=(table,)) for table in LARGE_TABLES
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()

    def _watch_locks(self) -> None:
        pattern = "^(" + "|".join(LARGE_TABLES) + ")(_[0-9]+|_plain)?$"
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.done.is_set():
                rows = conn.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " JOIN pg_class c ON c.oid = l.relation"
                    " WHERE a.application_name = %s AND l.granted AND c.relkind IN ('r', 'p') AND c.relname ~ %s",
                    [APPLICATION_NAME, pattern],
                ).fetchall()
                now = time.monotonic()
                for relname, mode in rows:
                    # A partition, or the plain table a migration renames aside, counts as its table.
                    table = next(t for t in LARGE_TABLES if str(relname).startswith(t))
                    self.locks.append(LockSeen(now, table, str(mode)))
                self.done.wait(LOCKS_EVERY_S)

    def _read(self, table: str) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name="lindung-bench-reader") as conn:
            conn.execute("SET lock_timeout = '100ms'")
            statement = sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table))
            while not self.done.is_set():
                started = time.monotonic()
                try:
                    conn.execute(statement).fetchall()
                    outcome = "ok"
                except errors.LockNotAvailable:
                    outcome = "blocked"
                except errors.UndefinedTable:
                    outcome = "missing"
                except psycopg.Error as exc:  # e.g. a table renamed away between parse and lock
                    outcome = type(exc).__name__
                self.probes.append(Probe(table, started, time.monotonic(), outcome))
                self.done.wait(PROBE_EVERY_S)


# Migrating


@dataclasses.dataclass
class Applied:
    name: str
    started: float  # monotonic, when "Applying <name>..." appeared
    ended: float = 0.0
    reported_s: float = 0.0  # Django's own figure


_APPLYING = re.compile(r"Applying (\S+)\.\.\.")
_OK = re.compile(r"OK \(([0-9.]+)s\)")


def migrate_forward(env: dict[str, str], log: Path) -> tuple[list[Applied], float]:
    """``lindung migrate -v 2``, its output read as it comes; returns the migrations applied and the total time."""
    applied: list[Applied] = []
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(  # the real CLI, as an installation's upgrade runs it
            [lindung_executable(), "migrate", "--no-input", "-v", "2", "--no-color"],
            env={**env, "PGAPPNAME": APPLICATION_NAME, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        assert process.stdout is not None
        pending = ""
        # Django writes "Applying x..." and flushes, then " OK (1.234s)" when it is done: read bytes, not lines.
        while chunk := os.read(process.stdout.fileno(), 4096):
            now = time.monotonic()
            text = chunk.decode("utf-8", "replace")
            out.write(text)
            pending += text
            while True:
                start = _APPLYING.search(pending)
                done = _OK.search(pending)
                if start and (not done or start.start() < done.start()):
                    applied.append(Applied(start.group(1), now))
                    pending = pending[start.end() :]
                elif done and applied and not applied[-1].ended:
                    applied[-1].ended, applied[-1].reported_s = now, float(done.group(1))
                    pending = pending[done.end() :]
                else:
                    break
            pending = pending[-200:]
        code = process.wait()
    if code:
        raise SystemExit(f"lindung migrate exited with {code}; see {log}")
    return applied, time.monotonic() - started


@dataclasses.dataclass(frozen=True)
class MigrationFigure:
    name: str
    seconds: float
    locks: dict[str, tuple[str, float]]  # table -> (strongest mode, seconds seen held in that mode)
    read_blocked: dict[str, float]  # table -> longest stretch of blocked reads, seconds


def longest_blocked(probes: list[Probe], since: float, until: float) -> float:
    """The longest stretch within [since, until] from a blocked probe's start to the start of the next probe that
    read the table (a stretch that began under the previous migration counts from ``since``)."""
    longest, blocked_from = 0.0, None
    for probe in probes:
        if probe.outcome == "blocked":
            if blocked_from is None:
                blocked_from = probe.started
        elif blocked_from is not None:
            longest = max(longest, min(probe.started, until) - max(blocked_from, since))
            blocked_from = None
    if blocked_from is not None:
        longest = max(longest, until - max(blocked_from, since))
    return longest


def figures(applied: list[Applied], watchers: Watchers) -> list[MigrationFigure]:
    result = []
    for migration in applied:
        ended = migration.ended or time.monotonic()
        held: dict[str, list[LockSeen]] = {}
        for seen in watchers.locks:
            if migration.started <= seen.at <= ended:
                held.setdefault(seen.table, []).append(seen)
        locks = {}
        for table, seen_list in held.items():
            strongest = max((s.mode for s in seen_list), key=lambda mode: MODES.index(mode) if mode in MODES else -1)
            moments = [s.at for s in seen_list if s.mode == strongest]
            locks[table] = (strongest, max(moments) - min(moments) + LOCKS_EVERY_S)
        read_blocked = {}
        for table in LARGE_TABLES:
            probes = [p for p in watchers.probes if p.table == table]
            blocked = longest_blocked(probes, migration.started, ended)
            if blocked:
                read_blocked[table] = blocked
        result.append(
            MigrationFigure(migration.name, migration.reported_s or ended - migration.started, locks, read_blocked)
        )
    return result


# Report


def short(table: str) -> str:
    return {"workers_worker": "workers", "enrolments_enrolment": "enrolments", "contributions_invoiceline": "lines"}[
        table
    ]


@dataclasses.dataclass(frozen=True)
class RoundFigures:
    targets: tuple[tuple[str, str], ...]
    rollback_s: float
    total_s: float  # the whole `lindung migrate` forward: start-up, checks and post-migrate handlers included
    rows: list[MigrationFigure]


def run_round(
    number: int, targets: tuple[tuple[str, str], ...], url: str, env: dict[str, str], logs: Path
) -> RoundFigures:
    from django.db import connections

    connections.close_all()  # this process's own connection must not hold a lock the roll-back waits for
    print(f"round {number}: rolling back " + ", ".join(f"{app} {name}" for app, name in targets), flush=True)
    rollback_s = 0.0
    for app, name in targets:
        argv = [lindung_executable(), "migrate", "--no-input", app, name]
        rollback_s += run_measured(argv, env=env, log=logs / f"back-{number}-{app}.log").seconds
    print(f"round {number}: rolled back in {rollback_s:.1f} s; applying again", flush=True)
    watchers = Watchers(url)
    watchers.start()
    try:
        applied, total_s = migrate_forward(env, logs / f"forward-{number}.log")
        time.sleep(0.3)  # the probes after the last migration: how a stretch of blocked reads ended
    finally:
        watchers.stop()
    rows = figures(applied, watchers)
    for figure in rows:
        print(f"  {figure.name:55} {figure.seconds:7.2f} s  {figure.locks}  {figure.read_blocked}", flush=True)
    return RoundFigures(targets, rollback_s, total_s, rows)


def chosen(rounds: list[RoundFigures]) -> list[tuple[int, MigrationFigure]]:
    """Each migration from the last round that applied it (the round in which its tables were full)."""
    by_name: dict[str, tuple[int, MigrationFigure]] = {}
    for number, round_figures in enumerate(rounds, start=1):
        for figure in round_figures.rows:
            by_name.pop(figure.name, None)
            by_name[figure.name] = (number, figure)
    return list(by_name.values())


def report(
    *,
    sizes: dict[str, tuple[int, float]],
    rounds: list[RoundFigures],
    source: str,
    load_average: tuple[float, float],
    lines_billed: int,
) -> str:
    rows = chosen(rounds)
    total_s = sum(figure.seconds for _, figure in rows)
    slow_reads = [f for _, f in rows if any(s > READ_BLOCK_LIMIT_S for s in f.read_blocked.values())]
    slowest = max(rows, key=lambda row: row[1].seconds)[1]
    verdict = [
        f"the migrations took {total_s:.1f} s in all ({'under' if total_s < TOTAL_TARGET_S else '**over**'} "
        f"the {TOTAL_TARGET_S:.0f} s target; the slowest {slowest.name}, {slowest.seconds:.1f} s)"
    ]
    if slow_reads:
        verdict.append(
            f"reads stopped for more than {READ_BLOCK_LIMIT_S:.0f} s by: "
            + ", ".join(f"{f.name} ({max(f.read_blocked.values()):.1f} s)" for f in slow_reads)
        )
    else:
        verdict.append(f"no migration stopped reads for more than {READ_BLOCK_LIMIT_S:.0f} s")
    lines = [
        f"### Migrations over {sizes['workers_worker'][0]:,} workers ({dt.date.today().isoformat()}, "
        f"revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data ({source}): "
        + ", ".join(f"`{t}` ~{n:,} rows, {mb:,.0f} MB" for t, (n, mb) in sizes.items())
        + f" (the lines: one month billed and issued, {lines_billed:,} lines, before round 2).",
    ]
    for number, round_figures in enumerate(rounds, start=1):
        lines.append(
            f"- Round {number}: rolled back (`lindung migrate <app> <migration>`, the data kept) to "
            + ", ".join(f"{app} {name}" for app, name in round_figures.targets)
            + f" in {round_figures.rollback_s:.1f} s; `lindung migrate -v 2` applied {len(round_figures.rows)} "
            f"migrations in {round_figures.total_s:.1f} s (process start-up and post-migrate handlers included)."
        )
    lines += [
        "- Rolling workers back past 0003 unapplies contributions 0001 (which depends on it) and so drops the lines: "
        "round 1 measures the registry's migrations, round 2 those of the invoice lines over the month billed in "
        "between. Each migration below is from the last round that applied it; time is Django's own figure.",
        f"- Locks: read from `pg_locks` every {LOCKS_EVERY_S * 1000:.0f} ms for the migrating backend, on the large "
        "tables (partitions count as their table); *held* is the time between the first and last sighting of the "
        f"strongest mode. Reads: a probe per large table every {PROBE_EVERY_S * 1000:.0f} ms (`lock_timeout` "
        "100 ms); *read blocked* is the longest stretch of refused reads.",
        f"- Verdict (target: all under {TOTAL_TARGET_S:.0f} s, no read stopped more than a few seconds): "
        + "; ".join(verdict)
        + ".",
        "",
        "| migration | round | time | strongest lock on a large table (held) | read blocked |",
        "|---|---|---|---|---|",
    ]
    for number, figure in rows:
        locks = "; ".join(
            f"{short(t)}: {mode.removesuffix('Lock')} ({held:.1f} s)" for t, (mode, held) in figure.locks.items()
        )
        blocked = "; ".join(f"{short(t)}: {s:.1f} s" for t, s in figure.read_blocked.items())
        mark = "**" if figure in slow_reads else ""
        lines.append(
            f"| {mark}{figure.name}{mark} | {number} | {figure.seconds:.2f} s | {locks or '—'} | {blocked or '—'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"Workers (default {DEFAULT_ROWS:,}).")
    parser.add_argument(
        "--from-database",
        help="Copy this database (e.g. lindung_bench_load, kept by bench/load.py --keep) instead of loading one.",
    )
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the copy (and the migrate logs) afterwards.")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="lindung-bench-migrations-"))
    env = bench_environment(args.database_url, work_dir)
    try:
        if args.from_database:
            print(f"copying {args.from_database} to {database_name(args.database_url)}", flush=True)
            copy_database(args.from_database, args.database_url)
            source = f"a copy of `{args.from_database}`"
            setup_django(env)
        else:
            print(f"database {database_name(args.database_url)}: recreating and loading {args.rows:,} workers")
            recreate_database(args.database_url)
            prepare_schema(env, work_dir)
            setup_django(env)
            load_workers(args.rows)
            programme = create_programme(args.rows)
            load_enrolments(programme)
            vary_enrolments(programme)
            source = "loaded by the billing benchmark's helpers"
        vacuum_analyze()
        load_before = os.getloadavg()[0]
        rounds = [run_round(1, ROUNDS[0], args.database_url, env, work_dir)]
        print("billing one month", flush=True)
        lines_billed = bill_one_month()
        vacuum_analyze()
        sizes = table_sizes(args.database_url)
        rounds += [run_round(2, ROUNDS[1], args.database_url, env, work_dir)]
        block = report(
            sizes=sizes,
            rounds=rounds,
            source=source,
            load_average=(load_before, os.getloadavg()[0]),
            lines_billed=lines_billed,
        )
        publish(OUT, block)
    finally:
        release_database(args.database_url, work_dir, keep=args.keep)


if __name__ == "__main__":
    main()
