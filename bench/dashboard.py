"""Benchmark the dashboard at scale: N workers, N enrolments and 12 months of invoices in PostgreSQL, then ``/dasbor/``.

Usage (from the repository root; others benchmark on the same machine, so take the lock)::

    flock /tmp/lindung-bench.lock .venv/bin/python bench/dashboard.py                  # 1,000,000 workers, 7 runs
    flock /tmp/lindung-bench.lock .venv/bin/python bench/dashboard.py --workers 20000 --runs 3 --keep
    flock /tmp/lindung-bench.lock .venv/bin/python bench/dashboard.py --reuse --keep   # time again, data kept

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix 61``,
   ``rules load``), with the registry benchmark's helpers.
2. Loads N workers and one provincial programme with N enrolments, with the billing benchmark's helpers
   (``COPY``); extends its period to February 2027 (so the budget projects the two months not billed) and gives
   it regency quotas (the target); then, so that every figure has
   something to show, makes every 20th enrolment a proposal and every 20th + 1 an enrolment that ended on
   30 June (two set-based UPDATEs).
3. Bills January to December 2026 with ``invoice_build`` (all twelve drafts first, then issued, so that no
   month corrects another: the lines are what a year of billing leaves), pays January to August, runs the
   coverage job on 26 November (September and October are then in arrears) and adds one claim per 400
   enrolments (one ``INSERT ... SELECT``; a third of them paid).
4. Rebuilds the dashboard's summary tables (``dashboard_refresh``, timed) and ``VACUUM (ANALYZE)``.
5. Times ``/dasbor/`` with Django's test ``Client`` for a province leader (61), the two largest regency/city
   operators (Kota Pontianak, Sambas) and the province leader drilled into a district: median of ``--runs``
   after one warm-up, with the query count and the slowest query. Beside them, *live*: the demographics and
   the coverage per regency counted straight from the enrolments (the GROUP BYs the summary tables replace),
   to show why the page reads the summary.
6. Prints a Markdown block (also written to ``bench/out/dashboard.md``) and drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import time
from typing import TYPE_CHECKING

from billing import create_programme, load_enrolments, load_workers, vacuum_analyze
from common import (
    PROVINCE,
    REPO,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    publish,
)

# Python puts this script's folder first on sys.path: the sibling benchmarks import by their names.
from registry import (
    logged_in_client,
)

if TYPE_CHECKING:
    from lindung.accounts.models import User
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_dashboard"
DEFAULT_WORKERS = 1_000_000
YEAR = 2026
TODAY = dt.date(YEAR, 11, 26)
PAID_THROUGH = 8  # January to August paid; September and October overdue on TODAY
PROVINCE_TARGET_MS = 500.0
REGENCY_TARGET_MS = 200.0
OUT = REPO / "bench" / "out" / "dashboard.md"


# Data


def add_quotas(programme: Programme) -> None:
    """Quotas by the regencies' population weights, summing to about the programme's target."""
    from lindung.demo.generate import REGENCY_WEIGHTS
    from lindung.programmes.models import RegencyQuota

    total = sum(REGENCY_WEIGHTS.values())
    RegencyQuota.objects.bulk_create(
        RegencyQuota(programme=programme, regency_id=code, quota=programme.target_workers * weight // total)
        for code, weight in REGENCY_WEIGHTS.items()
    )


def extend_period(programme: Programme) -> None:
    """Coverage until February 2027: with twelve months billed, two are still to come, so the budget figures
    project them (the grouped count over the programme's enrolments that a programme in progress costs)."""
    programme.coverage_end = dt.date(YEAR + 1, 2, 28)
    programme.save(update_fields=["coverage_end"])


def vary_enrolments(programme: Programme) -> None:
    """Every 20th enrolment back to a proposal, every 20th + 1 ended on 30 June: set-based, like the loads."""
    from django.db import connection

    from lindung.enrolments.models import EndReason, Status

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enrolments_enrolment SET status = %s, kpj = '', coverage_start = NULL"
            " WHERE programme_id = %s AND id %% 20 = 0",
            [Status.PROPOSED.value, programme.pk],
        )
        cursor.execute(
            "UPDATE enrolments_enrolment SET status = %s, end_reason = %s, coverage_end = %s"
            " WHERE programme_id = %s AND id %% 20 = 1",
            [Status.ENDED.value, EndReason.WITHDREW.value, dt.date(YEAR, 6, 30), programme.pk],
        )


def bill_year(programme: Programme) -> float:
    """Twelve drafts, then issue them; pay January to August. Returns seconds."""
    from lindung.contributions.billing import invoice_build, invoice_issue
    from lindung.contributions.payments import payment_record

    started = time.perf_counter()
    drafts = []
    for month in range(1, 13):
        drafts.append(invoice_build(actor=None, programme=programme, month=dt.date(YEAR, month, 1), today=TODAY))
        print(f"  built {YEAR}-{month:02d}: {drafts[-1].line_count:,} lines", flush=True)
    issued = [invoice_issue(actor=None, invoice=draft) for draft in drafts]
    for invoice in issued[:PAID_THROUGH]:
        invoice.refresh_from_db()
        payment_record(
            actor=None, programme=programme, paid_on=invoice.month, amount=invoice.total, reference=f"SP2D-{invoice.pk}"
        )
    return time.perf_counter() - started


def add_claims(programme: Programme) -> int:
    """One claim per 400 active enrolments, by one INSERT ... SELECT: every third a paid JKM, the others a reported
    STMB (two months off work, which the database requires of that kind)."""
    from django.db import connection

    from lindung.claims.models import ClaimStatus, ClaimType

    now = dt.datetime(YEAR, 11, 1, 2, 0, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_claim (enrolment_id, worker_id, programme_id, village_code, province_code,"
            " regency_code, type, status, incident_date, incident_place, description, reporter_name,"
            " reporter_relation, reporter_phone,"
            " reported_at, reported_late, income, covered, coverage_reason, coverage_message, paid_months,"
            " estimate_total, documents, paid_amount, paid_on, rejection_reason, status_changed_at, created_at,"
            " updated_at, stmb_months)"
            " SELECT e.id, e.worker_id, e.programme_id, e.village_code, e.province_code, e.regency_code,"
            " CASE WHEN e.id %% 3 = 0 THEN %s ELSE %s END,"
            " CASE WHEN e.id %% 3 = 0 THEN %s ELSE %s END,"
            " %s, 'Bench', 'Bench', 'Bench', '', '', %s, false, 1000000, true, 'covered', '', 6,"
            " 42000000, '[]'::jsonb,"
            " CASE WHEN e.id %% 3 = 0 THEN 42000000 END, CASE WHEN e.id %% 3 = 0 THEN %s::date END, '', %s, %s, %s,"
            " CASE WHEN e.id %% 3 = 0 THEN NULL ELSE 2 END"
            " FROM enrolments_enrolment e WHERE e.programme_id = %s AND e.status = 'aktif' AND e.id %% 400 = 2",
            [
                ClaimType.JKM.value,
                ClaimType.JKK_STMB.value,
                ClaimStatus.PAID.value,
                ClaimStatus.REPORTED.value,
                dt.date(YEAR, 9, 1),
                now,
                dt.date(YEAR, 10, 1),
                now,
                now,
                now,
                programme.pk,
            ],
        )
        return cursor.rowcount


# Requests


@dataclasses.dataclass(frozen=True)
class PageFigure:
    label: str
    target_ms: float | None
    median_ms: float
    runs: list[float]
    queries: int
    slowest_ms: float
    slowest_sql: str

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "pass" if self.median_ms < self.target_ms else "**FAIL**"


def bench_users() -> dict[str, User]:
    from lindung.accounts.models import Role
    from lindung.testing import make_user

    return {
        "province": make_user("bench_pimpinan", Role.PIMPINAN, PROVINCE),
        "pontianak": make_user("bench_operator_pontianak", Role.OPERATOR_KABUPATEN, "61.71"),
        "sambas": make_user("bench_operator_sambas", Role.OPERATOR_KABUPATEN, "61.01"),
    }


def measure(label: str, user: User, params: dict[str, str], runs: int, target_ms: float | None) -> PageFigure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in_client(user)

    def get() -> float:
        started = time.perf_counter()
        response = client.get("/dasbor/", params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/dasbor/ {params} as {user.username}: HTTP {response.status_code}")
        return elapsed

    get()  # warm-up: the session, the templates, PostgreSQL's buffers
    times = [get() for _ in range(runs)]
    with CaptureQueriesContext(connection) as captured:
        get()
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    figure = PageFigure(
        label=label,
        target_ms=target_ms,
        median_ms=statistics.median(times),
        runs=times,
        queries=len(captured.captured_queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(str(slowest["sql"]).split())[:160],
    )
    print(f"  {label:55} {figure.median_ms:7.1f} ms  ({figure.queries} queries)", flush=True)
    return figure


def live_group_bys(runs: int) -> list[tuple[str, float]]:
    """What the summary tables replace: the same counts straight from the enrolments, bare on a cursor."""
    from django.db.models import Count, Q

    from lindung.dashboard.services import age_band_case
    from lindung.enrolments.models import Enrolment, Status

    def timed(queryset: object) -> float:
        def once() -> float:
            started = time.perf_counter()
            list(queryset.all())  # type: ignore[attr-defined] # .all(): a fresh query each time, not the cache
            return (time.perf_counter() - started) * 1000

        once()
        return statistics.median(once() for _ in range(runs))

    active = Enrolment.objects.filter(status=Status.ACTIVE).order_by()
    return [
        (
            "coverage per regency (GROUP BY regency, COUNT per stage)",
            timed(
                Enrolment.objects.order_by()
                .values("regency_code")
                .annotate(
                    covered=Count("pk", filter=Q(status=Status.ACTIVE)),
                    ended=Count("pk", filter=Q(status=Status.ENDED)),
                )
            ),
        ),
        (
            "demographics (join workers, GROUP BY category, sex, age band)",
            timed(
                active.annotate(band=age_band_case(TODAY))
                .values("worker__occupation_id", "worker__sex", "band")
                .annotate(n=Count("pk"))
            ),
        ),
        (
            "demographics of Kota Pontianak alone",
            timed(
                active.filter(regency_code="61.71")
                .annotate(band=age_band_case(TODAY))
                .values("worker__occupation_id", "worker__sex", "band")
                .annotate(n=Count("pk"))
            ),
        ),
    ]


def summary_rows() -> dict[str, int]:
    from lindung.dashboard.models import CoveragePeriodFigure, DemographicFigure, MonthlyFigure, VillageFigure

    models = (VillageFigure, DemographicFigure, MonthlyFigure, CoveragePeriodFigure)
    return {model.__name__: model.objects.count() for model in models}


# Report


@dataclasses.dataclass
class DataFigures:
    workers: int = 0
    enrolments: int = 0
    lines: int = 0
    claims: int = 0
    load_s: float = 0.0
    billing_s: float = 0.0
    coverage_s: float = 0.0
    refresh_s: float = 0.0
    refresh_rows: int = 0


def count_data() -> tuple[int, int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = []
        for table in ("workers_worker", "enrolments_enrolment", "contributions_invoiceline", "claims_claim"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts.append(int(cursor.fetchone()[0]))
    return counts[0], counts[1], counts[2], counts[3]


def report(
    *,
    data: DataFigures,
    pages: list[PageFigure],
    live: list[tuple[str, float]],
    rows: dict[str, int],
    runs: int,
    load_average: tuple[float, float],
    reused: bool,
) -> str:
    failed = [page.label for page in pages if page.verdict == "**FAIL**"]
    lines = [
        f"### Dashboard at {data.workers:,} workers ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data: {data.workers:,} workers, {data.enrolments:,} enrolments in one provincial programme, "
        "January 2026 to February 2027 (5 % proposed, "
        f"5 % ended in June, the rest active), {data.lines:,} invoice lines (January to December 2026, issued; "
        f"January to August paid; January and February 2027 projected), {data.claims:,} claims."
        + (
            ""
            if reused
            else f" Loading {data.load_s:.0f} s, billing the year {data.billing_s:.0f} s, "
            f"coverage job {data.coverage_s:.0f} s."
        ),
        f"- Summary tables: `dashboard_refresh` {data.refresh_s:.1f} s for {data.refresh_rows:,} rows ("
        + ", ".join(f"{name} {count:,}" for name, count in rows.items())
        + ").",
        f"- Requests: Django test `Client`, logged in, median of {runs} after one warm-up; today {TODAY}.",
        f"- Verdict: {'every target met' if not failed else 'over target: ' + '; '.join(failed)}.",
        "",
        "| page | median | target | result | queries | slowest query |",
        "|---|---|---|---|---|---|",
    ]
    for page in pages:
        target = f"< {page.target_ms:.0f} ms" if page.target_ms else ""
        lines.append(
            f"| {page.label} | {page.median_ms:.0f} ms | {target} | {page.verdict} | {page.queries} "
            f"| {page.slowest_ms:.0f} ms |"
        )
    lines += ["", "Live, without the summary tables (median, bare on a cursor):", ""]
    lines += [f"- {label}: {ms:.0f} ms" for label, ms in live]
    lines += ["", "Slowest queries:", ""]
    lines += [f"- {page.label}: `{page.slowest_sql}`" for page in pages]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Workers (default {DEFAULT_WORKERS:,}).")
    parser.add_argument("--runs", type=int, default=7, help="Timed requests per page (default 7); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Use the kept database as it is: refresh and time only.")
    args = parser.parse_args()
    if args.workers < 1_000:
        parser.error("--workers: at least 1,000")

    data = DataFigures()
    with bench_database(
        args.database_url, prefix="lindung-bench-dashboard-", keep=args.keep, reuse=args.reuse
    ) as bench:
        data.load_s += bench.prepare_s
        if not args.reuse:
            print(f"loading {args.workers:,} workers and enrolments", flush=True)
            data.load_s += load_workers(args.workers)
            programme = create_programme(args.workers)
            extend_period(programme)
            add_quotas(programme)
            data.load_s += load_enrolments(programme)
            vary_enrolments(programme)
            data.load_s += vacuum_analyze()
            print(f"loaded in {data.load_s:.0f} s; billing 12 months", flush=True)
            data.billing_s = bill_year(programme)
            vacuum_analyze()
            print(f"billed in {data.billing_s:.0f} s; coverage job", flush=True)
            from lindung.contributions.coverage import coverage_update

            started = time.perf_counter()
            coverage_update(today=TODAY)
            data.coverage_s = time.perf_counter() - started
            add_claims(programme)
        from lindung.accounts.models import User
        from lindung.dashboard.services import dashboard_refresh

        print("refreshing the dashboard's figures", flush=True)
        run = dashboard_refresh(today=TODAY)
        data.refresh_s, data.refresh_rows = run.seconds, run.rows
        vacuum_analyze()
        data.workers, data.enrolments, data.lines, data.claims = count_data()
        User.objects.filter(username__startswith="bench_").delete()
        users = bench_users()
        print("timing /dasbor/", flush=True)
        pages = [
            measure("province leader (61)", users["province"], {}, args.runs, PROVINCE_TARGET_MS),
            measure("Kota Pontianak operator (61.71)", users["pontianak"], {}, args.runs, REGENCY_TARGET_MS),
            measure("Sambas operator (61.01)", users["sambas"], {}, args.runs, REGENCY_TARGET_MS),
            measure(
                "province leader, filtered by funder and period",
                users["province"],
                {"funder": "apbd_provinsi", "from": f"{YEAR}-03", "to": f"{YEAR}-09"},
                args.runs,
                PROVINCE_TARGET_MS,
            ),
            measure(
                "province leader drilled into district 61.71.01",
                users["province"],
                {"region": "61.71.01"},
                args.runs,
                None,
            ),
        ]
        live = live_group_bys(args.runs)
        block = report(
            data=data,
            pages=pages,
            live=live,
            rows=summary_rows(),
            runs=args.runs,
            load_average=(bench.load_before, os.getloadavg()[0]),
            reused=args.reuse,
        )
        publish(OUT, block)


if __name__ == "__main__":
    main()
