"""Benchmark verifying 10,000 proposals in one step (the verification queue's "all that match this filter").

Usage (from the repository root; others benchmark on the same machine, so take the locks)::

    flock /tmp/lindung-gate.lock flock /tmp/lindung-bench.lock .venv/bin/python bench/bulk_verification.py
    ... bench/bulk_verification.py --workers 100000 --proposals 2000 --runs 3       # smaller, quicker
    ... bench/bulk_verification.py --reuse --keep                                   # time again, data kept

1. Drops and recreates the database and prepares it with the real CLI (``migrate``, ``regions load --prefix 61``,
   ``rules load``), with the registry benchmark's helpers.
2. Loads N workers and one provincial programme with one active enrolment each (``COPY``, the billing
   benchmark's helpers; ``load_province``); then, outside Kota Pontianak, every 20th enrolment is a proposal,
   every 20th + 1 verified, + 2 sent to BPJS, + 3 rejected (so the start page, ``bench/start_page.py``, has
   something to count), and ``--proposals`` enrolments of Kota Pontianak (61.71) are proposals. Each regency's
   quota is its places held plus its proposals: everything proposed fits. ``VACUUM (ANALYZE)``.
3. Times, as the province's verifier, the POST of the queue's bulk form that verifies all of Kota Pontianak's
   proposals (``--proposals`` of them) with Django's test ``Client``: quota lock and count, the row locks, the
   UPDATE and one audit entry per enrolment. Between runs the same rows are put back to proposed (untimed; the
   append-only audit log keeps each run's entries). The baseline, in the same run: a plain ``UPDATE`` of the same
   rows to verified (committed), and put back.
4. Prints a Markdown block (also written to ``bench/out/bulk_verification.md``) and drops the database unless
   ``--keep``.
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_verification"
DEFAULT_WORKERS = 1_000_000
DEFAULT_PROPOSALS = 10_000
REGENCY = "61.71"  # Kota Pontianak: the filtered set
TARGET_S = 10.0
OUT = REPO / "bench" / "out" / "bulk_verification.md"


# Data


def load_province(workers: int, proposals: int) -> tuple[Programme, float]:
    """N workers, one provincial programme with an enrolment each in every stage, ``proposals`` proposals in
    Kota Pontianak, and quotas that hold them all. Returns the programme and the seconds it took."""
    from django.db import connection

    from lindung.enrolments.models import Status
    from lindung.programmes.models import RegencyQuota

    started = time.perf_counter()
    load_workers(workers)
    programme = create_programme(workers)
    programme.open_for_proposals = True
    programme.save(update_fields=["open_for_proposals"])
    load_enrolments(programme)
    with connection.cursor() as cursor:
        for remainder, status in ((0, Status.PROPOSED), (1, Status.VERIFIED), (2, Status.SENT), (3, Status.REJECTED)):
            # Kota Pontianak is left active but for its own proposals below: the filtered set is exactly those.
            cursor.execute(
                "UPDATE enrolments_enrolment SET status = %s, kpj = '', coverage_start = NULL, rejection_reason = %s"
                " WHERE programme_id = %s AND id %% 20 = %s AND regency_code <> %s",
                [status.value, "Bench" if status == Status.REJECTED else "", programme.pk, remainder, REGENCY],
            )
        cursor.execute(
            "UPDATE enrolments_enrolment SET status = %s, kpj = '', coverage_start = NULL WHERE id IN ("
            " SELECT id FROM enrolments_enrolment WHERE programme_id = %s AND regency_code = %s AND status = %s"
            " ORDER BY id LIMIT %s)",
            [Status.PROPOSED.value, programme.pk, REGENCY, Status.ACTIVE.value, proposals],
        )
        cursor.execute(
            "SELECT regency_code, count(*) FROM enrolments_enrolment WHERE programme_id = %s GROUP BY regency_code",
            [programme.pk],
        )
        per_regency = dict(cursor.fetchall())
    RegencyQuota.objects.bulk_create(
        RegencyQuota(programme=programme, regency_id=code, quota=n) for code, n in per_regency.items()
    )
    vacuum_analyze()
    return programme, time.perf_counter() - started


def regency_proposals(programme: Programme) -> list[int]:
    from lindung.enrolments.models import Enrolment, Status

    rows = Enrolment.objects.filter(programme=programme, regency_code=REGENCY, status=Status.PROPOSED)
    return list(rows.order_by("pk").values_list("pk", flat=True))


def put_back(ids: list[int]) -> None:
    """The rows to proposed again (untimed, between runs). Their audit entries stay: the log is append-only, and
    a log that grows by a step's entries each run is what a real one does."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE enrolments_enrolment SET status = 'diusulkan' WHERE id = ANY(%s)", [ids])


# Timing


def bench_user(username: str, role: str, region: str) -> User:
    """The user, made once: a kept database keeps them (the audit log refers to them, so they cannot go)."""
    from lindung.accounts.models import User
    from lindung.testing import make_user

    if User.objects.filter(username=username).exists():
        return User.objects.get(username=username, role=role, region_id=region)
    return make_user(username, role, region)


@dataclasses.dataclass(frozen=True)
class Figures:
    step_s: list[float]
    baseline_s: list[float]
    verified: int
    audit_entries: int


def measure(programme: Programme, ids: list[int], runs: int) -> Figures:
    from django.db import connection, transaction
    from django.utils import timezone

    from lindung.accounts.models import Role
    from lindung.audit.models import AuditEntry
    from lindung.enrolments.models import Enrolment, Status

    client = logged_in_client(bench_user("bench_verifikator", Role.VERIFIKATOR, PROVINCE))
    form = {"step": "verify", "which": "all", "programme": str(programme.pk), "regency": REGENCY}
    step, baseline = [], []
    verified = entries = 0
    for run in range(runs):
        since = timezone.now()
        started = time.perf_counter()
        response = client.post("/kepesertaan/verifikasi/langkah/", form)
        step.append(time.perf_counter() - started)
        if response.status_code != 303:
            raise SystemExit(f"the bulk step answered {response.status_code}")
        verified = Enrolment.objects.filter(pk__in=ids, status=Status.VERIFIED).count()
        entries = AuditEntry.objects.filter(action="enrolment.verified", at__gte=since).count()
        if verified != len(ids) or entries != len(ids):
            raise SystemExit(f"verified {verified}, audit entries {entries}, expected {len(ids)}")
        put_back(ids)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE enrolments_enrolment SET status = 'terverifikasi', updated_at = now() WHERE id = ANY(%s)",
                [ids],
            )
        baseline.append(time.perf_counter() - started)
        put_back(ids)
        print(f"  run {run + 1}: step {step[-1]:.2f} s, plain UPDATE {baseline[-1]:.2f} s", flush=True)
    return Figures(step_s=step, baseline_s=baseline, verified=verified, audit_entries=entries)


def count_rows() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM workers_worker), (SELECT count(*) FROM enrolments_enrolment)")
        workers, enrolments = cursor.fetchone()
    return int(workers), int(enrolments)


def report(*, figures: Figures, proposals: int, runs: int, load_s: float, load_average: tuple[float, float]) -> str:
    workers, enrolments = count_rows()
    step, baseline = statistics.median(figures.step_s), statistics.median(figures.baseline_s)
    verdict = "pass" if step < TARGET_S else "**FAIL**"
    lines = [
        f"### Verifying {proposals:,} proposals in one step over {workers:,} workers "
        f"({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data: {workers:,} workers, {enrolments:,} enrolments in one provincial programme (outside Kota Pontianak "
        f"5 % each proposed, verified, sent, rejected; the rest active), {proposals:,} proposals in Kota Pontianak"
        + (f"; loading {load_s:.0f} s." if load_s else "."),
        f"- Step: the verifier's POST of the queue's bulk form, all that match programme + Kota Pontianak "
        f"(Django test `Client`), {runs} runs, the rows put back between runs; every run verified "
        f"{figures.verified:,} enrolments with {figures.audit_entries:,} audit entries.",
        "",
        "| what | median | runs | target | result |",
        "|---|---|---|---|---|",
        f"| bulk verification, one step | {step:.2f} s | "
        + " / ".join(f"{s:.2f}" for s in figures.step_s)
        + f" | < {TARGET_S:.0f} s | {verdict} |",
        "| baseline: plain `UPDATE` of the same rows | "
        f"{baseline:.2f} s | " + " / ".join(f"{s:.2f}" for s in figures.baseline_s) + " |  |  |",
        "",
        f"The step costs {step / baseline:.1f}× the bare UPDATE "
        "(quota lock and count, row locks, one audit entry each).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Workers (default {DEFAULT_WORKERS:,}).")
    parser.add_argument("--proposals", type=int, default=DEFAULT_PROPOSALS, help="Proposals verified in one step.")
    parser.add_argument("--runs", type=int, default=3, help="Timed steps (default 3); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Use the kept database as it is: time only.")
    args = parser.parse_args()

    load_s = 0.0
    with bench_database(
        args.database_url, prefix="lindung-bench-verification-", keep=args.keep, reuse=args.reuse
    ) as bench:
        from lindung.programmes.models import Programme

        if args.reuse:
            programme = Programme.objects.get(code__startswith="BENCH-")
        else:
            print(f"loading {args.workers:,} workers and enrolments", flush=True)
            programme, load_s = load_province(args.workers, args.proposals)
        ids = regency_proposals(programme)
        print(f"{len(ids):,} proposals of Kota Pontianak; timing", flush=True)
        figures = measure(programme, ids, args.runs)
        block = report(
            figures=figures,
            proposals=len(ids),
            runs=args.runs,
            load_s=load_s,
            load_average=(bench.load_before, os.getloadavg()[0]),
        )
        publish(OUT, block)


if __name__ == "__main__":
    main()
