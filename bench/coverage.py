"""Benchmark the nightly coverage job at scale: N active enrolments with 12 months of lines in PostgreSQL.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/coverage.py                      # 1,000,000 rows, 3 runs
    flock /tmp/lindung-bench.lock .venv/bin/python bench/coverage.py --rows 20000 --runs 3 --keep

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix 61``,
   ``rules load``), with the registry benchmark's helpers.
2. Loads N workers and one provincial programme for 2026 with N active enrolments (coverage starting between
   January and June), with the billing benchmark's helpers (``COPY``); every 100th enrolment was activated
   45 days after its coverage started (a back-dated activation).
3. Bills 2026 with ``invoice_build`` and ``invoice_issue``, month by month, except April and September, which
   are never billed; pays every invoice in full but November's and December's. On ``TODAY`` (20 January 2027)
   an enrolment that started in January has 12 months: 8 paid, 2 billed and unpaid, 2 due and never billed
   (4 months in arrears, 2 after the latest paid month: nobody lapses, so every run does the same work).
   Then ``VACUUM (ANALYZE)``.
4. Times, ``--runs`` times, interleaved so that a change of machine load hits every figure alike:
   - *ours*: ``coverage_update(today=TODAY)`` as the nightly run calls it (one transaction for the programme:
     lock, delete the programme's statuses, the statuses' ``INSERT ... SELECT``, the never-billed summary, the
     lapse query, commit; then the arrears counts), with the time of each statement (``execute_wrapper``);
   - *raw, old statement*: the job's statement before issue 14 (billed months only: months never billed were
     neither paid nor in arrears), same constants, into ``raw_coverage_old`` (its columns, no key, check or
     index), emptied (untimed) before each run;
   - *raw, lines by enrolment*: a plain ``INSERT ... SELECT`` of the programme's issued lines grouped by
     enrolment (count and sum) into ``raw_lines_by_enrolment``: reading and grouping the lines, the floor.
   Before each run of ours, ``VACUUM (ANALYZE) contributions_coveragestatus`` (untimed), as autovacuum would
   have done in the day since the last night.
5. ``EXPLAIN (ANALYZE, BUFFERS)`` of the statuses' statement (rolled back), to ``bench/out/coverage-explain.txt``;
   prints a Markdown block (also written to ``bench/out/coverage.md``) and drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

from billing import create_programme, load_enrolments, load_workers, vacuum_analyze
from common import (
    REPO,
    StatementTimer,
    StatementTiming,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    publish,
)

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.

if TYPE_CHECKING:
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_coverage"
DEFAULT_ROWS = 1_000_000
TARGET_S = 60.0
YEAR = 2026
TODAY = dt.date(YEAR + 1, 1, 20)
NEVER_BILLED = (4, 9)  # April and September
UNPAID = (11, 12)  # November and December: issued, not paid
OUT = REPO / "bench" / "out" / "coverage.md"
EXPLAIN_OUT = REPO / "bench" / "out" / "coverage-explain.txt"

# The job's statement before issue 14 (src/lindung/contributions/coverage.py at eb5321f), into a bare table.
OLD_SQL = """
INSERT INTO raw_coverage_old (
    enrolment_id, programme_id, province_code, regency_code, months_billed, months_paid,
    paid_through, months_in_arrears, consecutive_unpaid, computed_for, updated_at
)
WITH m AS (
    SELECT l.enrolment_id, l.month,
        MIN(CASE WHEN l.amount > 0 AND i.status <> %(paid)s THEN 0 ELSE 1 END) AS paid,
        MAX(CASE WHEN l.amount > 0 THEN i.month END) AS billed_in
    FROM contributions_invoiceline l JOIN contributions_invoice i ON i.id = l.invoice_id
    WHERE i.programme_id = %(programme)s AND i.status <> %(draft)s
    GROUP BY l.enrolment_id, l.month
    HAVING SUM(l.amount) > 0
), f AS (
    SELECT enrolment_id,
        MIN(CASE WHEN paid = 0 THEN month END) AS first_unpaid,
        MAX(CASE WHEN paid = 1 THEN month END) AS last_paid
    FROM m GROUP BY enrolment_id
)
SELECT m.enrolment_id, %(programme)s, e.province_code, e.regency_code, COUNT(*), SUM(m.paid),
    MAX(CASE WHEN m.paid = 1 AND (f.first_unpaid IS NULL OR m.month < f.first_unpaid) THEN m.month END),
    SUM(CASE WHEN m.paid = 0 AND m.billed_in <= %(overdue)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN m.paid = 0 AND m.billed_in <= %(overdue)s AND (f.last_paid IS NULL OR m.month > f.last_paid)
        THEN 1 ELSE 0 END),
    %(today)s, now()
FROM m JOIN f ON f.enrolment_id = m.enrolment_id JOIN enrolments_enrolment e ON e.id = m.enrolment_id
GROUP BY m.enrolment_id, e.province_code, e.regency_code
"""

LINES_SQL = """
INSERT INTO raw_lines_by_enrolment (enrolment_id, lines, amount)
SELECT l.enrolment_id, COUNT(*), SUM(l.amount)
FROM contributions_invoiceline l JOIN contributions_invoice i ON i.id = l.invoice_id
WHERE i.programme_id = %(programme)s AND i.status <> %(draft)s
GROUP BY l.enrolment_id
"""


# Data


def back_date_activations(programme: Programme) -> None:
    """Every 100th enrolment was activated 45 days after its coverage started."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enrolments_enrolment SET activated_on = coverage_start + 45"
            " WHERE programme_id = %s AND id %% 100 = 0",
            [programme.pk],
        )


def bill_year(programme: Programme) -> tuple[float, int]:
    """Bill and issue each month but the never-billed ones; pay all but the unpaid ones. Seconds and lines."""
    from lindung.contributions.billing import invoice_build, invoice_issue
    from lindung.contributions.payments import payment_record

    started = time.perf_counter()
    lines = 0
    for number in range(1, 13):
        if number in NEVER_BILLED:
            continue
        month = dt.date(YEAR, number, 1)
        built = month.replace(day=20)
        invoice = invoice_issue(
            actor=None, invoice=invoice_build(actor=None, programme=programme, month=month, today=built)
        )
        invoice.refresh_from_db()
        lines += invoice.line_count
        if number not in UNPAID:
            payment_record(
                actor=None,
                programme=programme,
                paid_on=month.replace(day=27),
                amount=invoice.total,
                reference=f"SP2D-{invoice.pk}",
                allocations=[(invoice, invoice.total)],
            )
        print(f"  {YEAR}-{number:02d}: {invoice.line_count:,} lines", flush=True)
    return time.perf_counter() - started, lines


def create_raw_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE raw_coverage_old (enrolment_id bigint, programme_id bigint, province_code varchar(2),"
            " regency_code varchar(5), months_billed integer, months_paid integer, paid_through date,"
            " months_in_arrears integer, consecutive_unpaid integer, computed_for date, updated_at timestamptz)"
        )
        cursor.execute("CREATE TABLE raw_lines_by_enrolment (enrolment_id bigint, lines integer, amount bigint)")


# Timing


JobTiming = StatementTiming


def status_insert(sql: str, params: Any) -> tuple[str, Any] | None:
    """The statuses' INSERT with its parameters, for ``StatementTimer``."""
    if " ".join(sql.split()[:3]).startswith("INSERT INTO contributions_coveragestatus"):
        return (sql, params)
    return None


def timed_job(timer: StatementTimer) -> JobTiming:
    from django.db import connection

    from lindung.contributions.coverage import coverage_update

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) contributions_coveragestatus")
    _, timing = timer.timed(lambda: coverage_update(today=TODAY))
    return timing


def timed_raw(programme: Programme, table: str, statement: str) -> float:
    from django.db import connection, transaction

    from lindung.contributions.models import InvoiceStatus
    from lindung.contributions.months_owed import last_overdue_invoice_month

    params: dict[str, int | str | dt.date] = {
        "programme": programme.pk,
        "paid": InvoiceStatus.PAID.value,
        "draft": InvoiceStatus.DRAFT.value,
        "overdue": last_overdue_invoice_month(TODAY),
        "today": TODAY,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return time.perf_counter() - started


def explain(insert: tuple[str, Any], programme: Programme) -> str:
    from django.db import connection, transaction

    sql, params = insert

    class Rollback(Exception):
        pass

    lines: list[str] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM contributions_coveragestatus WHERE programme_id = %s", [programme.pk])
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            lines = [str(row[0]) for row in cursor.fetchall()]
            raise Rollback
    except Rollback:
        pass
    return "\n".join(lines)


@dataclasses.dataclass
class Outcome:
    """What the job found on TODAY, to show the data is the scenario described."""

    statuses: int
    in_arrears: dict[str, int]
    never_billed: list[tuple[str, int]]  # (month, workers), over every regency
    figures: dict[str, int]  # sums of the statuses' columns


def outcome(run: Any, programme: Programme) -> Outcome:
    from django.db.models import Sum

    from lindung.contributions.models import CoverageStatus, NeverBilledMonth

    sums = CoverageStatus.objects.filter(programme=programme).aggregate(
        months_billed=Sum("months_billed"),
        months_paid=Sum("months_paid"),
        months_in_arrears=Sum("months_in_arrears"),
        consecutive_unpaid=Sum("consecutive_unpaid"),
        months_never_billed=Sum("months_never_billed"),
    )
    never = (
        NeverBilledMonth.objects.filter(programme=programme)
        .values("month")
        .annotate(n=Sum("workers"))
        .order_by("month")
        .values_list("month", "n")
    )
    return Outcome(
        statuses=run.statuses,
        in_arrears=run.in_arrears,
        never_billed=[(f"{month:%Y-%m}", n) for month, n in never],
        figures={k: int(v or 0) for k, v in sums.items()},
    )


# Report


def breakdown(timings: list[JobTiming]) -> str:
    def med(prefix: str) -> float:
        return statistics.median(t.share(prefix) for t in timings)

    statuses = med("INSERT INTO contributions_coveragestatus")
    never = med("INSERT INTO contributions_neverbilledmonth")
    deletes = med("DELETE FROM")
    others = statistics.median(
        sum(s for _sql, s in t.statements)
        - t.share("INSERT INTO contributions_coveragestatus")
        - t.share("INSERT INTO contributions_neverbilledmonth")
        - t.share("DELETE FROM")
        for t in timings
    )
    rest = statistics.median(t.rest for t in timings)
    return (
        f"the statuses' `INSERT ... SELECT` {statuses:.1f} s, the never-billed summary {never:.2f} s, "
        f"DELETE of the previous rows {deletes:.1f} s, other statements (lock, calendar, lapse query, "
        f"counts) {others:.1f} s, COMMIT and Python {rest:.1f} s"
    )


def report(
    *,
    rows: int,
    runs: int,
    load: tuple[float, float, float, float],
    billing: tuple[float, int],
    ours: list[JobTiming],
    old: list[float],
    lines: list[float],
    found: Outcome,
    load_average: tuple[float, float],
) -> str:
    prepare_s, workers_s, enrolments_s, vacuum_s = load
    ours_s = statistics.median(t.seconds for t in ours)
    old_s, lines_s = statistics.median(old), statistics.median(lines)

    def runs_of(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in values)

    block = [
        f"### Nightly coverage job at {rows:,} active enrolments, 12 months (revision {git_revision()}, "
        f"{dt.date.today().isoformat()})",
        "",
        *environment_lines(load_average),
        f"- Data: schema {prepare_s:.1f} s; {rows:,} workers {workers_s:.1f} s and {rows:,} active enrolments "
        f"{enrolments_s:.1f} s (`COPY`; coverage from January to June; every 100th activated 45 days late); "
        f"`VACUUM (ANALYZE)` {vacuum_s:.1f} s. Billed {YEAR} but April and September through `invoice_build` and "
        f"`invoice_issue`, all paid but November and December: {billing[1]:,} lines in {billing[0]:.0f} s.",
        f"- Today {TODAY}: {found.statuses:,} statuses; in arrears 1 / 2 / 3+ months: "
        f"{found.in_arrears['1']:,} / {found.in_arrears['2']:,} / {found.in_arrears['3+']:,}; months billed "
        f"{found.figures['months_billed']:,}, paid {found.figures['months_paid']:,}, in arrears "
        f"{found.figures['months_in_arrears']:,} (never billed {found.figures['months_never_billed']:,}); "
        "never billed per month: " + ", ".join(f"{month} {n:,} workers" for month, n in found.never_billed) + ".",
        f"- Ours, `coverage_update(today={TODAY})`, medians: {breakdown(ours)}.",
        "",
        "| figure | median | runs | target | result |",
        "|---|---|---|---|---|",
        f"| raw: plain `INSERT ... SELECT` of the lines grouped by enrolment | {lines_s:.1f} s "
        f"| {runs_of(lines)} | | |",
        f"| raw: the job's statement before issue 14 (billed months only), bare table | {old_s:.1f} s "
        f"| {runs_of(old)} | | |",
        f"| `coverage_update` (statuses with never-billed months, summary, lapse), one programme | {ours_s:.1f} s "
        f"({ours_s / old_s:.1f}× the old statement) | {runs_of([t.seconds for t in ours])} | < {TARGET_S:.0f} s "
        f"| {'pass' if ours_s < TARGET_S else '**FAIL**'} |",
    ]
    return "\n".join(block) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"Active enrolments (default {DEFAULT_ROWS:,}).")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs per figure (default 3); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    args = parser.parse_args()
    if args.rows < 1_000:
        parser.error("--rows: at least 1,000")

    with bench_database(args.database_url, prefix="lindung-bench-coverage-", keep=args.keep) as bench:
        print(f"loading {args.rows:,} workers and enrolments", flush=True)
        workers_s = load_workers(args.rows)
        programme = create_programme(args.rows)
        enrolments_s = load_enrolments(programme)
        back_date_activations(programme)
        vacuum_s = vacuum_analyze()
        print("billing 2026", flush=True)
        billing = bill_year(programme)
        vacuum_analyze()
        create_raw_tables()
        timer = StatementTimer(status_insert)
        ours: list[JobTiming] = []
        old: list[float] = []
        lines: list[float] = []
        for number in range(1, args.runs + 1):
            lines.append(timed_raw(programme, "raw_lines_by_enrolment", LINES_SQL))
            old.append(timed_raw(programme, "raw_coverage_old", OLD_SQL))
            ours.append(timed_job(timer))
            print(
                f"run {number}: lines {lines[-1]:.1f} s, old {old[-1]:.1f} s, ours {ours[-1].seconds:.1f} s", flush=True
            )
        from lindung.contributions.coverage import coverage_update

        found = outcome(coverage_update(today=TODAY), programme)
        assert timer.insert is not None
        plan = explain(timer.insert, programme)
        block = report(
            rows=args.rows,
            runs=args.runs,
            load=(bench.prepare_s, workers_s, enrolments_s, vacuum_s),
            billing=billing,
            ours=ours,
            old=old,
            lines=lines,
            found=found,
            load_average=(bench.load_before, os.getloadavg()[0]),
        )
        EXPLAIN_OUT.parent.mkdir(parents=True, exist_ok=True)
        EXPLAIN_OUT.write_text(f"{timer.insert[0]}\n\n{plan}\n", encoding="utf-8")
        publish(OUT, block, also=f"; the plan in {EXPLAIN_OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
