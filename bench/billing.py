"""Benchmark monthly billing at scale: one month for N active enrolments in PostgreSQL, against the raw statement.

Usage (from the repository root)::

    .venv/bin/python bench/billing.py                              # 1,000,000 enrolments, 3 runs
    .venv/bin/python bench/billing.py --enrolments 20000 --runs 3 --keep   # quick check; keep the database

1. Drops and recreates the database named in ``--database-url`` and prepares it with the real CLI
   (``lindung migrate``, ``regions load --prefix 61``, ``rules load``), as ``bench/registry.py`` does.
2. Loads N workers with the registry benchmark's generator and one ``COPY``, creates one provincial
   programme for 2026 and N active enrolments in it (one per worker, coverage starting between January and
   June) with a second ``COPY``, then ``VACUUM (ANALYZE)``.
3. Bills July 2026, ``--runs`` times, interleaved so that a change of machine load hits every figure alike:
   - *raw*: the very ``INSERT ... SELECT`` that ``invoice_build`` sent (captured from its first run, same
     constants), into ``raw_invoiceline``: the columns of ``contributions_invoiceline`` without indexes,
     checks, foreign keys or triggers; emptied (untimed) before each run;
   - *replica*: the same statement into a copy of ``contributions_invoiceline`` (its primary key, index,
     checks and foreign keys if any; not its triggers), autocommit: what the table's structure costs;
   - *ours, first build*: ``invoice_build`` for the month after the draft's lines were removed (untimed,
     ``TRUNCATE``, whose trigger zeroes the invoice totals): the ``INSERT ... SELECT`` with its triggers;
     on PostgreSQL into a new partition of its own, keyed and attached afterwards (lines/postgresql.py), whose
     insert is the statement captured (re-targeted at the lines' table) for *raw* and *replica*;
   - *ours, rebuild*: ``invoice_build`` again on that draft, the run an operator repeats. Nothing changed
     in between, so its one diffing statement writes nothing: the favourable case (a new price deletes
     and inserts every line again).
   Beside each of ours, the time of each statement (Django's ``execute_wrapper``) and of the commit.
4. Issues the invoice and times the budget page ``/anggaran/`` for a finance officer (region 61) with
   Django's test ``Client``: median of ``--runs`` after one warm-up, with the page's slowest query.
5. ``EXPLAIN (ANALYZE, BUFFERS)`` of the insert into the replica with its constraints made immediate (so
   foreign-key triggers, if any, are timed; then rolled back) and of the budget page's slowest query; prints a
   Markdown block (also written to ``bench/out/billing.md``, the plans to ``bench/out/billing-explain.txt``)
   and drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
import statistics
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from common import (
    PROVINCE,
    REPO,
    StatementTimer,
    StatementTiming,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    publish,
)

# Python puts this script's folder first on sys.path: the registry benchmark imports as "registry".
from registry import (
    CHUNK,
    SEED,
    SyntheticWorkers,
    copy_text,
    logged_in_client,
    table_shape,
    worker_columns,
)

if TYPE_CHECKING:
    from lindung.accounts.models import User
    from lindung.contributions.models import Invoice
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_billing"
DEFAULT_ENROLMENTS = 1_000_000
BUILD_TARGET_S = 30.0
RATIO_TARGET = 2.0
PAGE_TARGET_MS = 300.0
YEAR = 2026
MONTH = dt.date(YEAR, 7, 1)  # every enrolment's coverage has started by then
LINE_TABLE = "contributions_invoiceline"
PARTITION_INSERT = re.compile(rf"INSERT INTO {LINE_TABLE}(_\d+)? ")
OUT = REPO / "bench" / "out" / "billing.md"
EXPLAIN_OUT = REPO / "bench" / "out" / "billing-explain.txt"


# Data


def load_workers(count: int) -> float:
    """The registry benchmark's workers, one COPY into workers_worker; returns seconds."""
    from django.db import connection
    from psycopg import sql

    columns = sql.SQL(", ").join(map(sql.Identifier, worker_columns()))
    source = SyntheticWorkers(count=count, seed=SEED)
    connection.ensure_connection()
    pg = connection.connection
    assert pg is not None
    started = time.perf_counter()
    with pg.cursor() as cursor, cursor.copy(sql.SQL("COPY workers_worker ({}) FROM STDIN").format(columns)) as copy:
        for chunk in source.chunks(CHUNK):
            copy.write(copy_text(chunk))
    return time.perf_counter() - started


def create_programme(count: int) -> Programme:
    from lindung.months import month_start
    from lindung.programmes.models import FunderType, Programme
    from lindung.programmes.rates import programme_monthly_contribution

    programme = Programme.objects.create(
        code=f"BENCH-{YEAR}",
        name=f"Bench billing {YEAR}",
        funder_type=FunderType.APBD_PROVINSI,
        funder_name="Pemerintah Provinsi Kalimantan Barat",
        region_id=PROVINCE,
        fiscal_year=YEAR,
        coverage_start=dt.date(YEAR, 1, 1),
        coverage_end=dt.date(YEAR, 12, 31),
        budget_ceiling=0,
        target_workers=count,
        open_for_proposals=False,
    )
    # Ten months of the full head count: the page has a run-out month to show.
    programme.budget_ceiling = count * programme_monthly_contribution(programme, month_start(MONTH)).total * 10
    programme.save(update_fields=["budget_ceiling"])
    return programme


ENROLMENT_COLUMNS = (
    "worker_id",
    "programme_id",
    "status",
    "kpj",
    "coverage_start",
    "coverage_end",
    "end_reason",
    "rejection_reason",
    "batch_id",
    "village_code",
    "province_code",
    "regency_code",
    "proposed_at",
    "updated_at",
)


def enrolment_rows(programme: Programme, workers: list[tuple[Any, ...]]) -> Iterator[list[tuple[object, ...]]]:
    """One active enrolment per worker; coverage from a day between January and June (spread, not random)."""
    from lindung.enrolments.models import Status

    stamp = f"{dt.datetime(YEAR - 1, 12, 1, 1, 0, tzinfo=dt.UTC):%Y-%m-%d %H:%M:%S}+00"
    for start in range(0, len(workers), CHUNK):
        chunk: list[tuple[object, ...]] = []
        active = Status.ACTIVE.value
        for i, (worker_id, *row) in enumerate(workers[start : start + CHUNK], start):
            begins = dt.date(YEAR, 1 + i % 6, 1 + (i * 7) % 28)
            kpj = f"{26_000_000_000 + i:011d}"
            chunk.append((worker_id, programme.pk, active, kpj, begins, None, "", "", None, *row, stamp, stamp))
        yield chunk


def load_enrolments(programme: Programme) -> float:
    from django.db import connection
    from psycopg import sql

    pg = connection.connection
    assert pg is not None
    with pg.cursor() as cursor:
        cursor.execute("SELECT id, village_code, province_code, regency_code FROM workers_worker ORDER BY id")
        workers = cursor.fetchall()
    columns = sql.SQL(", ").join(map(sql.Identifier, ENROLMENT_COLUMNS))
    started = time.perf_counter()
    with (
        pg.cursor() as cursor,
        cursor.copy(sql.SQL("COPY enrolments_enrolment ({}) FROM STDIN").format(columns)) as copy,
    ):
        for chunk in enrolment_rows(programme, workers):
            copy.write(copy_text(chunk))
    return time.perf_counter() - started


def vacuum_analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


# Billing


BuildTiming = StatementTiming  # its ``rest``: Python and the COMMIT


def line_insert(sql: str, params: Any) -> tuple[str, Any] | None:
    """The bulk INSERT of the lines, for ``StatementTimer``. The first build inserts into the draft's own partition
    (contributions_invoiceline_<id>) before attaching it: kept as an insert into the lines' table, so the copies
    below can be substituted."""
    target = PARTITION_INSERT.match(sql)
    if target and " SELECT " in sql:
        return (f"INSERT INTO {LINE_TABLE} " + sql[target.end() :], params)
    return None


def timed_build(programme: Programme, timer: StatementTimer) -> tuple[Invoice, BuildTiming]:
    from lindung.contributions.billing import invoice_build

    # actor=None: the system, as ``lindung bill`` runs it (no role check, still audited).
    return timer.timed(lambda: invoice_build(actor=None, programme=programme, month=MONTH))


def create_copies() -> str:
    """raw_invoiceline (columns, NOT NULL, defaults, its own identity) and replica_invoiceline (everything)."""
    from django.db import connection
    from psycopg import sql

    pg = connection.connection
    assert pg is not None
    with pg.cursor() as cursor:
        cursor.execute(f"CREATE TABLE raw_invoiceline (LIKE {LINE_TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY)")
        cursor.execute(f"CREATE TABLE replica_invoiceline (LIKE {LINE_TABLE} INCLUDING ALL)")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [LINE_TABLE],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(
                sql.SQL("ALTER TABLE replica_invoiceline ADD CONSTRAINT {} {}").format(
                    sql.Identifier(f"replica_{name}"), sql.SQL(str(definition))
                )
            )
        return table_shape(cursor, LINE_TABLE)


def timed_copy_insert(table: str, insert: tuple[str, Any]) -> float:
    """Empty ``table`` (untimed), then the captured INSERT ... SELECT into it, autocommit (commit included)."""
    from django.db import connection

    statement, params = insert
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
        started = time.perf_counter()
        cursor.execute(statement.replace(f"INSERT INTO {LINE_TABLE} ", f"INSERT INTO {table} ", 1), params)
        return time.perf_counter() - started


def clear_draft(invoice: Invoice) -> None:
    """Remove the draft's lines (untimed) so the next build starts from an empty draft, as a first build does."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LINE_TABLE}")
        cursor.execute(f"VACUUM (ANALYZE) {LINE_TABLE}")


@dataclasses.dataclass
class BillingFigures:
    lines: int = 0
    total: int = 0
    first_build: BuildTiming | None = None  # the very first one (invoice created), not in the medians
    fresh: list[BuildTiming] = dataclasses.field(default_factory=list)
    rebuild: list[BuildTiming] = dataclasses.field(default_factory=list)
    raw: list[float] = dataclasses.field(default_factory=list)
    replica: list[float] = dataclasses.field(default_factory=list)
    line_shape: str = ""
    insert_sql: str = ""

    @staticmethod
    def med(values: list[float]) -> float:
        return statistics.median(values)

    @property
    def raw_s(self) -> float:
        return self.med(self.raw)

    @property
    def fresh_s(self) -> float:
        return self.med([b.seconds for b in self.fresh])

    @property
    def rebuild_s(self) -> float:
        return self.med([b.seconds for b in self.rebuild])


def bill(programme: Programme, runs: int) -> tuple[BillingFigures, Invoice, StatementTimer]:
    figures = BillingFigures()
    timer = StatementTimer(line_insert)
    invoice, figures.first_build = timed_build(programme, timer)
    if timer.insert is None:
        raise SystemExit("invoice_build sent no INSERT ... SELECT into contributions_invoiceline: update the benchmark")
    insert = timer.insert
    figures.insert_sql = " ".join(insert[0].split())
    figures.lines, figures.total = invoice.line_count, invoice.total
    figures.line_shape = create_copies()
    for run in range(1, runs + 1):
        figures.raw.append(timed_copy_insert("raw_invoiceline", insert))
        figures.replica.append(timed_copy_insert("replica_invoiceline", insert))
        clear_draft(invoice)
        invoice, timing = timed_build(programme, timer)
        figures.fresh.append(timing)
        invoice, timing = timed_build(programme, timer)
        figures.rebuild.append(timing)
        if (invoice.line_count, invoice.total) != (figures.lines, figures.total):
            raise SystemExit(f"run {run}: {invoice.line_count} lines, Rp {invoice.total}: not the first build's")
        print(
            f"  run {run}: raw {figures.raw[-1]:.1f} s, replica {figures.replica[-1]:.1f} s,"
            f" first build {figures.fresh[-1].seconds:.1f} s, rebuild {figures.rebuild[-1].seconds:.1f} s",
            flush=True,
        )
    return figures, invoice, timer


def explain_insert(insert: tuple[str, Any]) -> str:
    """The insert into the replica with the foreign keys checked per statement, so EXPLAIN times the triggers."""
    from django.db import connection, transaction

    statement, params = insert
    replica = statement.replace(f"INSERT INTO {LINE_TABLE} ", "INSERT INTO replica_invoiceline ", 1)
    raw = statement.replace(f"INSERT INTO {LINE_TABLE} ", "INSERT INTO raw_invoiceline ", 1)
    lines: list[str] = []
    with connection.cursor() as cursor:
        for label, text in (("raw_invoiceline", raw), ("replica_invoiceline, constraints immediate", replica)):
            try:
                with transaction.atomic():
                    cursor.execute("TRUNCATE raw_invoiceline, replica_invoiceline")
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, WAL) {text}", params)
                    lines += [f"== {label}", *(str(row[0]) for row in cursor.fetchall()), ""]
                    raise _Rollback
            except _Rollback:
                pass
    return "\n".join(lines)


class _Rollback(Exception):
    pass


# Budget page


@dataclasses.dataclass
class PageFigure:
    median_ms: float
    queries: int
    slowest_ms: float
    slowest_sql: str
    explain: str


def finance_user() -> User:
    from lindung.accounts.models import Role
    from lindung.testing import make_user

    return make_user("bench_keuangan", Role.KEUANGAN, PROVINCE)


def measure_budget_page(runs: int) -> PageFigure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in_client(finance_user())

    def get() -> float:
        started = time.perf_counter()
        response = client.get("/anggaran/")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/anggaran/: HTTP {response.status_code}")
        return elapsed

    get()  # warm-up: the session, the templates, PostgreSQL's buffers
    median_ms = statistics.median(get() for _ in range(runs))
    with CaptureQueriesContext(connection) as captured:
        get()
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {slowest['sql']}")
        plan = "\n".join(str(row[0]) for row in cursor.fetchall())
    return PageFigure(
        median_ms=median_ms,
        queries=len(captured.captured_queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(str(slowest["sql"]).split()),
        explain=plan,
    )


# Report


def verdict(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


def breakdown(timings: list[BuildTiming]) -> str:
    """Median seconds of each part of invoice_build, by the first words of its statements.

    The lines' statement is the ``INSERT ... SELECT`` of a first build or the diffing ``WITH diff AS``
    of a rebuild, triggers included.
    """

    def lines_share(t: BuildTiming) -> float:
        return t.share(f"INSERT INTO {LINE_TABLE}") + t.share("WITH diff AS")

    def partition_share(t: BuildTiming) -> tuple[float, float]:
        prepare = t.share("SELECT contributions_line_partition_prepare(")
        return prepare, t.share("SELECT contributions_line_partition_attach(")

    delete = statistics.median(t.share("DELETE FROM") for t in timings)
    insert = statistics.median(lines_share(t) for t in timings)
    prepare = statistics.median(partition_share(t)[0] for t in timings)
    attach = statistics.median(partition_share(t)[1] for t in timings)
    others = statistics.median(
        sum(s for _sql, s in t.statements) - t.share("DELETE FROM") - lines_share(t) - sum(partition_share(t))
        for t in timings
    )
    commit = statistics.median(t.rest for t in timings)
    partition = f"new partition {prepare:.2f} s, primary key and ATTACH {attach:.2f} s, " if prepare or attach else ""
    return (
        f"DELETE statements {delete:.1f} s, {partition}the lines' statement (with its triggers) {insert:.1f} s, "
        f"other statements {others:.2f} s, COMMIT and Python {commit:.1f} s"
    )


def report(
    *,
    count: int,
    runs: int,
    figures: BillingFigures,
    page: PageFigure,
    load: tuple[float, float, float, float],
    load_average: tuple[float, float],
) -> str:
    prepare_s, workers_s, enrolments_s, vacuum_s = load
    best = figures.fresh_s
    ratio_fresh = figures.fresh_s / figures.raw_s
    ratio_rebuild = figures.rebuild_s / figures.raw_s
    replica_s = figures.med(figures.replica)
    lines = [
        f"### Billing one month at {count:,} active enrolments"
        f" ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data: `lindung migrate` + `regions load --prefix 61` + `rules load` {prepare_s:.1f} s; {count:,} workers "
        f"(registry generator, `COPY`) {workers_s:.1f} s; {count:,} active enrolments in one provincial programme "
        f"(`COPY`) {enrolments_s:.1f} s; `VACUUM (ANALYZE)` {vacuum_s:.1f} s.",
        f"- Billed: {MONTH:%Y-%m}, {figures.lines:,} lines, Rp {figures.total:,}. Medians of {runs} runs, "
        "interleaved (raw, replica, first build, rebuild). `contributions_invoiceline` has "
        f"{figures.line_shape}.",
        "- Raw: the `INSERT ... SELECT` that `invoice_build` sends, same constants, into `raw_invoiceline` "
        "(`LIKE ... INCLUDING DEFAULTS INCLUDING IDENTITY`: no index, check, foreign key or trigger).",
        "- Replica: the same statement into `LIKE contributions_invoiceline INCLUDING ALL` + its foreign keys "
        "if any, without its triggers, autocommit: what the table's structure costs.",
        "- Ours: `invoice_build(actor=None)` as `lindung bill` calls it, one transaction: lock, price, the lines' "
        "statement with its triggers (checks and invoice totals), corrections (none: no earlier issued invoice), "
        "save, audit, commit. *First build*: the draft's lines removed beforehand (untimed); one `INSERT ... "
        "SELECT`. *Rebuild*: billing the same month again, nothing changed; one statement diffs the draft's lines "
        "against the covered enrolments and writes nothing.",
        f"  - first build: {breakdown(figures.fresh)}.",
        f"  - rebuild: {breakdown(figures.rebuild)}.",
        "",
        "| figure | median | runs | target | result |",
        "|---|---|---|---|---|",
        f"| raw `INSERT ... SELECT` | {figures.raw_s:.1f} s | {', '.join(f'{s:.1f}' for s in figures.raw)} | | |",
        f"| same into the replica (primary key, checks; no triggers) | {replica_s:.1f} s "
        f"({replica_s / figures.raw_s:.1f}× raw) | {', '.join(f'{s:.1f}' for s in figures.replica)} | | |",
        f"| `invoice_build`, first build | {figures.fresh_s:.1f} s ({ratio_fresh:.1f}× raw) "
        f"| {', '.join(f'{b.seconds:.1f}' for b in figures.fresh)} "
        f"| ≤ {RATIO_TARGET:.0f}× raw and < {BUILD_TARGET_S:.0f} s "
        f"| {verdict(ratio_fresh <= RATIO_TARGET and best < BUILD_TARGET_S)} |",
        f"| `invoice_build`, rebuild of the draft | {figures.rebuild_s:.1f} s ({ratio_rebuild:.1f}× raw) "
        f"| {', '.join(f'{b.seconds:.1f}' for b in figures.rebuild)} "
        f"| ≤ {RATIO_TARGET:.0f}× raw and < {BUILD_TARGET_S:.0f} s "
        f"| {verdict(ratio_rebuild <= RATIO_TARGET and figures.rebuild_s < BUILD_TARGET_S)} |",
        f"| budget page `/anggaran/` (finance officer, region 61) | {page.median_ms:.0f} ms | {runs} after a warm-up "
        f"| < {PAGE_TARGET_MS:.0f} ms | {verdict(page.median_ms < PAGE_TARGET_MS)} |",
        "",
        f"- Budget page: {page.queries} queries; the slowest {page.slowest_ms:.0f} ms: `{page.slowest_sql[:200]}`.",
    ]
    if figures.first_build is not None:
        lines.append(f"- The very first build (invoice created, cold): {figures.first_build.seconds:.1f} s.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--enrolments",
        type=int,
        default=DEFAULT_ENROLMENTS,
        help=f"Active enrolments (default {DEFAULT_ENROLMENTS:,}).",
    )
    parser.add_argument("--runs", type=int, default=3, help="Timed runs per figure (default 3); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    args = parser.parse_args()
    if args.enrolments < 1_000:
        parser.error("--enrolments: at least 1,000")

    with bench_database(args.database_url, prefix="lindung-bench-billing-", keep=args.keep) as bench:
        print(f"loading {args.enrolments:,} workers", flush=True)
        workers_s = load_workers(args.enrolments)
        programme = create_programme(args.enrolments)
        print(f"workers in {workers_s:.1f} s; loading {args.enrolments:,} enrolments", flush=True)
        enrolments_s = load_enrolments(programme)
        vacuum_s = vacuum_analyze()
        print(f"enrolments in {enrolments_s:.1f} s, VACUUM (ANALYZE) {vacuum_s:.1f} s; billing", flush=True)
        figures, invoice, timer = bill(programme, args.runs)
        assert timer.insert is not None
        plans = explain_insert(timer.insert)

        from lindung.contributions.billing import invoice_issue

        invoice_issue(actor=None, invoice=invoice)
        vacuum_analyze()  # the state autovacuum would leave after a month's billing
        print("timing the budget page", flush=True)
        page = measure_budget_page(args.runs)
        plans += f"\n== budget page, slowest query ({page.slowest_ms:.0f} ms)\n{page.slowest_sql}\n{page.explain}\n"
        block = report(
            count=args.enrolments,
            runs=args.runs,
            figures=figures,
            page=page,
            load=(bench.prepare_s, workers_s, enrolments_s, vacuum_s),
            load_average=(bench.load_before, os.getloadavg()[0]),
        )
        EXPLAIN_OUT.parent.mkdir(parents=True, exist_ok=True)
        EXPLAIN_OUT.write_text(f"{figures.insert_sql}\n\n{plans}", encoding="utf-8")
        publish(OUT, block, also=f"; plans in {EXPLAIN_OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
