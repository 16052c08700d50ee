"""Benchmark the start page (``/``) of signed-in users at 1,000,000 workers: what waits for each role.

Usage (from the repository root; others benchmark on the same machine, so take the locks)::

    flock /tmp/lindung-gate.lock flock /tmp/lindung-bench.lock .venv/bin/python bench/start_page.py
    ... bench/start_page.py --workers 100000 --runs 5                    # smaller, quicker
    ... bench/start_page.py --database-url postgres://postgres@127.0.0.1:5432/lindung_bench_verification --reuse
                                                                         # the data bulk_verification.py --keep left

1. Drops and recreates the database and prepares it with the real CLI, then loads the data of
   ``bench/bulk_verification.py`` (``load_province``: N workers, one provincial programme, 5 % of the enrolments
   each proposed, verified, sent to BPJS and rejected, ``--proposals`` proposals in Kota Pontianak) and
   ``VACUUM (ANALYZE)``.
2. Times ``/`` with Django's test ``Client`` for the province's verifier, its administrator, finance and BPJS
   officer, and the regency operators of Sambas and Kota Pontianak: median of ``--runs`` after one warm-up, with
   the query count and the slowest query (and the count of the proposals waiting the page showed).
3. Prints a Markdown block (also written to ``bench/out/start_page.md``) and drops the database unless ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
import statistics
import time
from typing import TYPE_CHECKING

from bulk_verification import DEFAULT_PROPOSALS, bench_user, count_rows, load_province
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_start_page"
DEFAULT_WORKERS = 1_000_000
TARGET_MS = 200.0
OUT = REPO / "bench" / "out" / "start_page.md"


@dataclasses.dataclass(frozen=True)
class PageFigure:
    label: str
    median_ms: float
    runs: list[float]
    queries: int
    slowest_ms: float
    slowest_sql: str
    waiting: str  # the proposals-waiting count the page showed ("" when the role has none)

    @property
    def verdict(self) -> str:
        return "pass" if self.median_ms < TARGET_MS else "**FAIL**"


def bench_users() -> dict[str, User]:
    from lindung.accounts.models import Role

    return {
        "province verifier (61)": bench_user("bench_verifikator", Role.VERIFIKATOR, PROVINCE),
        "province administrator (61)": bench_user("bench_admin", Role.ADMIN_PROVINSI, PROVINCE),
        "finance (61)": bench_user("bench_keuangan", Role.KEUANGAN, PROVINCE),
        "BPJS officer (61)": bench_user("bench_bpjs", Role.PETUGAS_BPJS, PROVINCE),
        "Sambas operator (61.01)": bench_user("bench_operator_sambas", Role.OPERATOR_KABUPATEN, "61.01"),
        "Kota Pontianak operator (61.71)": bench_user("bench_operator_pontianak", Role.OPERATOR_KABUPATEN, "61.71"),
    }


def measure(label: str, user: User, runs: int) -> PageFigure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in_client(user)

    def get() -> tuple[float, str]:
        started = time.perf_counter()
        response = client.get("/")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"/ as {user.username}: HTTP {response.status_code}")
        return elapsed, response.content.decode()

    get()  # warm-up: the session, the templates, PostgreSQL's buffers
    times = [get()[0] for _ in range(runs)]
    with CaptureQueriesContext(connection) as captured:
        _, body = get()
    if 'data-testid="waiting"' not in body:
        raise SystemExit(f"/ as {user.username}: no counts on the page")
    shown = re.search(r'data-testid="count-proposed">([\d.]+)<', body)
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    figure = PageFigure(
        label=label,
        median_ms=statistics.median(times),
        runs=times,
        queries=len(captured.captured_queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(str(slowest["sql"]).split())[:200],
        waiting=shown.group(1) if shown else "",
    )
    print(f"  {label:40} {figure.median_ms:7.1f} ms  ({figure.queries} queries)", flush=True)
    return figure


def report(*, pages: list[PageFigure], runs: int, load_s: float, load_average: tuple[float, float]) -> str:
    workers, enrolments = count_rows()
    failed = [page.label for page in pages if page.verdict != "pass"]
    lines = [
        f"### Start page at {workers:,} workers ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data: {workers:,} workers, {enrolments:,} enrolments in one provincial programme (outside Kota Pontianak "
        "5 % each proposed, verified, sent, rejected; the rest active; proposals in Kota Pontianak)"
        + (f"; loading {load_s:.0f} s." if load_s else "."),
        f"- Requests: Django test `Client`, logged in, median of {runs} after one warm-up.",
        "- Verdict: "
        + (f"every page under {TARGET_MS:.0f} ms." if not failed else "over target: " + "; ".join(failed) + "."),
        "",
        "| user | median | target | result | queries | slowest query | proposals waiting shown |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        lines.append(
            f"| {page.label} | {page.median_ms:.0f} ms | < {TARGET_MS:.0f} ms | {page.verdict} | {page.queries} "
            f"| {page.slowest_ms:.0f} ms | {page.waiting} |"
        )
    lines += ["", "Slowest queries:", ""]
    lines += [f"- {page.label}: `{page.slowest_sql}`" for page in pages]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Workers (default {DEFAULT_WORKERS:,}).")
    parser.add_argument("--proposals", type=int, default=DEFAULT_PROPOSALS, help="Proposals in Kota Pontianak.")
    parser.add_argument("--runs", type=int, default=7, help="Timed requests per user (default 7); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Use the kept database as it is: time only.")
    args = parser.parse_args()

    load_s = 0.0
    with bench_database(
        args.database_url, prefix="lindung-bench-start-page-", keep=args.keep, reuse=args.reuse
    ) as bench:
        if not args.reuse:
            print(f"loading {args.workers:,} workers and enrolments", flush=True)
            _programme, load_s = load_province(args.workers, args.proposals)
        print("timing /", flush=True)
        pages = [measure(label, user, args.runs) for label, user in bench_users().items()]
        block = report(pages=pages, runs=args.runs, load_s=load_s, load_average=(bench.load_before, os.getloadavg()[0]))
        publish(OUT, block)


if __name__ == "__main__":
    main()
