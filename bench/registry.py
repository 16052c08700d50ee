"""Benchmark the worker registry at scale: N synthetic Kalbar workers in PostgreSQL, then the list and its searches.

Usage (from the repository root)::

    .venv/bin/python bench/registry.py                      # 1,000,000 workers, 7 runs per request
    .venv/bin/python bench/registry.py --workers 20000 --runs 3 --keep   # quick check; keep the database

1. Drops and recreates the database named in ``--database-url`` and prepares it with the real CLI in a
   subprocess: ``lindung migrate``, ``lindung regions load --prefix 61``, ``lindung rules load``.
2. Generates the workers with the demo's own generator (``NamePools``/``WorkerFactory``: names from Faker
   id_ID, valid unique NIKs, Kalbar villages weighted by regency population, the demo's category shares)
   and streams them chunk by chunk into ``workers_worker`` with one ``COPY ... FROM STDIN``. The same
   bytes go to a spool file, which is then COPYed into an exact copy of the table (the database's share
   of the load) and, the raw baseline, into ``raw_worker``: the same columns without indexes, checks or
   foreign keys. ``VACUUM (ANALYZE)`` follows.
3. Django is then set up in this process (``DATABASE_URL`` set first) and Django's test ``Client``, logged
   in as a province verifier and as the Sambas regency operator, requests the worker list and its
   searches; each figure is the median of ``--runs`` requests after one warm-up. Beside it: the number of
   queries per page, the slowest of them, and the same page and count SQL executed bare on a cursor.
4. Prints a Markdown block (also written to ``bench/out/registry.md``) and drops the database unless
   ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

# Python puts this script's folder first on sys.path, so the sibling module imports as "common".
from common import (
    PROVINCE,
    REPO,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    publish,
)
from psycopg import sql

if TYPE_CHECKING:
    from django.test import Client

    from lindung.accounts.models import User
    from lindung.demo.generate import Village, WorkerFactory

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_registry"
DEFAULT_WORKERS = 1_000_000
SEED = 2026
CHUNK = 20_000  # rows generated, rendered and sent at a time: a few MB, whatever N is
TARGET_MS = 200.0
SAMBAS = "61.01"
# A fragment of many names (Anto, Haryanto, Susanto, Ardianto..., ~5 % of the generated workers): the search
# must find, count and sort tens of thousands of matches, not one.
COMMON_FRAGMENT = "anto"
# Registrations spread over the 2023 programme's start to now, in id order as a real registry fills.
REGISTERED_FROM = dt.datetime(2022, 11, 1, 1, 0, tzinfo=dt.UTC)
REGISTERED_TO = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
# A first name of ~0.1 % of the workers (Faker's id_ID pool, seed fixed) that sorts at the very end.
LATE_NAME = "zahra"
TWO_LETTERS = "zu"  # a user typing the start of Zulfa, Zulaikha, Zulkifli...
COMMON_WORD = "sri"  # with COMMON_FRAGMENT: two words each in thousands of names, together in fewer
OUT = REPO / "bench" / "out" / "registry.md"


# Synthetic workers


@dataclasses.dataclass
class LoadFigures:
    rows: int = 0
    seconds: float = 0.0  # generate + render + COPY into workers_worker, spool writes excluded
    generate_seconds: float = 0.0  # of which: WorkerFactory alone (client CPU)
    waiting_seconds: float = 0.0  # of which: blocked on the server (COPY writes and the final commit)
    replica_seconds: float = 0.0  # COPY of the same bytes into an exact copy of workers_worker
    raw_seconds: float = 0.0  # bare COPY of the same bytes into raw_worker
    vacuum_seconds: float = 0.0
    spool_mb: float = 0.0
    table_mb: float = 0.0  # workers_worker with its indexes
    raw_table_mb: float = 0.0
    probe_nik: str = ""  # an existing Sambas worker's NIK, for the NIK search
    table_shape: str = ""  # what COPY maintains in workers_worker, read from the catalog


def table_shape(cursor: psycopg.Cursor[tuple[object, ...]], table: str) -> str:
    """Indexes and constraints as the migrations left them, so the text stays true when they change."""
    cursor.execute(
        "SELECT (SELECT count(*) FROM pg_index WHERE indrelid = %(t)s::regclass),"
        " (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
        "   WHERE i.indrelid = %(t)s::regclass AND a.amname = 'gin'),"
        " (SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'c'),"
        " (SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass AND contype = 'f')",
        {"t": table},
    )
    row = cursor.fetchone()
    assert row is not None
    indexes, gin, checks, foreign_keys = row
    return f"{indexes} indexes of which {gin} GIN trigram, {checks} checks, {foreign_keys} foreign keys"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(rows: Sequence[Sequence[object]]) -> str:
    r"""Rows in COPY's text format (tab-separated, ``\N`` for NULL), rendered once for both tables."""
    return "".join(
        "\t".join(r"\N" if value is None else str(value).translate(_COPY_ESCAPES) for value in row) + "\n"
        for row in rows
    )


def kalbar_villages() -> dict[str, list[Village]]:
    """Villages per regency as the demo's generator wants them (with district and regency names)."""
    from lindung.demo.generate import Village
    from lindung.regions.models import Region

    regency_names = dict(
        Region.objects.filter(level=Region.Level.REGENCY, code__startswith=f"{PROVINCE}.").values_list("code", "name")
    )
    villages: dict[str, list[Village]] = {code: [] for code in regency_names}
    rows = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=f"{PROVINCE}.").values_list(
        "code", "name", "kind", "parent__name"
    )
    for code, name, kind, district_name in rows.order_by("code"):
        villages[code[:5]].append(Village(code, name, kind, district_name, regency_names[code[:5]]))
    return {code: found for code, found in villages.items() if found}


class SyntheticWorkers:
    """Worker rows in chunks, reproducible from the seed: regency by population weight, then a village in it."""

    def __init__(self, *, count: int, seed: int) -> None:
        from lindung.demo.generate import REGENCY_WEIGHTS, NamePools, WorkerFactory
        from lindung.workers.models import OccupationCategory, Worker

        categories = list(OccupationCategory.objects.filter(active=True).order_by("sort_order", "code"))
        self.count = count
        self.factory: WorkerFactory = WorkerFactory(seed=seed, pools=NamePools.build(seed), categories=categories)
        self.villages = kalbar_villages()
        missing = set(REGENCY_WEIGHTS) - set(self.villages)
        if missing:
            raise SystemExit(f"regions not loaded for {sorted(missing)}")
        self.regencies = sorted(REGENCY_WEIGHTS)
        self.cum_weights = list(_accumulate([REGENCY_WEIGHTS[code] for code in self.regencies]))
        self.income = Worker._meta.get_field("declared_income").get_default()
        self.generate_seconds = 0.0
        self.probe_nik = ""

    def chunks(self, size: int) -> Iterator[list[tuple[object, ...]]]:
        rng, span = self.factory.rng, (REGISTERED_TO - REGISTERED_FROM).total_seconds()
        for start in range(0, self.count, size):
            started = time.perf_counter()
            chunk: list[tuple[object, ...]] = []
            for i in range(start, min(start + size, self.count)):
                regency = rng.choices(self.regencies, cum_weights=self.cum_weights)[0]
                worker = self.factory.worker(rng.choice(self.villages[regency]))
                # COPY's text form of timestamptz; later ids were registered later, as in a real registry.
                registered = (
                    f"{REGISTERED_FROM + dt.timedelta(seconds=int(span * i / self.count)):%Y-%m-%d %H:%M:%S}+00"
                )
                chunk.append((*worker, self.income, registered, registered))
                if not self.probe_nik and regency == SAMBAS and i >= self.count // 2:
                    # From the middle of the table: neither the first nor the last pages of any index.
                    self.probe_nik = worker.nik
            self.generate_seconds += time.perf_counter() - started
            yield chunk


def _accumulate(values: list[int]) -> Iterator[int]:
    total = 0
    for value in values:
        total += value
        yield total


def worker_columns() -> list[str]:
    from django.db import models

    from lindung.demo.generate import WorkerRow
    from lindung.workers.models import Worker

    columns = []
    for name in (*WorkerRow._fields, "declared_income", "created_at", "updated_at"):
        field = Worker._meta.get_field(name)
        if not isinstance(field, models.Field) or not field.column:
            raise SystemExit(f"Worker.{name} is not a concrete field: update the benchmark")
        columns.append(field.column)
    return columns


def load_workers(*, count: int, seed: int, spool: Path) -> LoadFigures:
    """Ours: generate → COPY into the real table (indexes, checks, foreign keys); then the raw COPY baseline."""
    from django.db import connection

    figures = LoadFigures(rows=count)
    columns = sql.SQL(", ").join(map(sql.Identifier, worker_columns()))
    source = SyntheticWorkers(count=count, seed=seed)
    connection.ensure_connection()
    pg = connection.connection  # the psycopg connection under Django's, autocommit: one COPY, one transaction
    assert pg is not None
    spooling = 0.0
    with spool.open("w", encoding="utf-8") as spool_file:
        started = time.perf_counter()
        with pg.cursor() as cursor:
            with cursor.copy(sql.SQL("COPY workers_worker ({}) FROM STDIN").format(columns)) as copy:
                for chunk in source.chunks(CHUNK):
                    text = copy_text(chunk)
                    before_write = time.perf_counter()
                    copy.write(text)
                    before_spool = time.perf_counter()
                    spool_file.write(text)
                    spooling += time.perf_counter() - before_spool
                    figures.waiting_seconds += before_spool - before_write
                finishing = time.perf_counter()
            # Leaving the block sends the end of the data and waits for the server to check and commit it.
            figures.waiting_seconds += time.perf_counter() - finishing
        figures.seconds = time.perf_counter() - started - spooling
    figures.generate_seconds = source.generate_seconds
    figures.probe_nik = source.probe_nik
    figures.spool_mb = spool.stat().st_size / 1024 / 1024

    with pg.cursor() as cursor:
        figures.table_shape = table_shape(cursor, "workers_worker")
        figures.table_mb = _relation_mb(cursor, "workers_worker")
        # The same bytes without generating them, into a table with workers_worker's indexes, checks and
        # foreign keys (LIKE ... INCLUDING ALL copies all but the foreign keys, added from the catalog):
        # the server's price of loading into our schema, with no Python in the way.
        cursor.execute("CREATE TABLE replica_worker (LIKE workers_worker INCLUDING ALL)")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'workers_worker'::regclass AND contype = 'f'"
        )
        for name, definition in cursor.fetchall():
            cursor.execute(
                sql.SQL("ALTER TABLE replica_worker ADD CONSTRAINT {} {}").format(
                    sql.Identifier(f"replica_{name}"), sql.SQL(str(definition))
                )
            )
        figures.replica_seconds = copy_file(cursor, spool, "replica_worker", columns)
        cursor.execute("DROP TABLE replica_worker")
        # LIKE without INCLUDING ALL copies the columns and NOT NULL only; INCLUDING IDENTITY gives raw_worker
        # its own id sequence, so every COPY sends the same columns and PostgreSQL numbers the rows.
        cursor.execute("CREATE TABLE raw_worker (LIKE workers_worker INCLUDING DEFAULTS INCLUDING IDENTITY)")
        figures.raw_seconds = copy_file(cursor, spool, "raw_worker", columns)
        figures.raw_table_mb = _relation_mb(cursor, "raw_worker")
        cursor.execute("DROP TABLE raw_worker")
        started = time.perf_counter()
        # VACUUM, not only ANALYZE: it empties the trigram index's pending list (which a search would scan
        # row by row) and sets the visibility map, i.e. the state autovacuum keeps a live table in. Without
        # it autovacuum would do the same at a random moment during the measurements.
        cursor.execute("VACUUM (ANALYZE) workers_worker")
        figures.vacuum_seconds = time.perf_counter() - started
    return figures


def copy_file(cursor: psycopg.Cursor[tuple[object, ...]], spool: Path, table: str, columns: sql.Composable) -> float:
    """Seconds to COPY the spool file into ``table`` (autocommit: the commit, and deferred checks, included)."""
    started = time.perf_counter()
    with (
        spool.open("rb") as spool_in,
        cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), columns)) as copy,
    ):
        while block := spool_in.read(1 << 20):
            copy.write(block)
    return time.perf_counter() - started


def _relation_mb(cursor: psycopg.Cursor[tuple[object, ...]], table: str) -> float:
    cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
    row = cursor.fetchone()
    assert row is not None
    return int(str(row[0])) / 1024 / 1024


# Requests


@dataclasses.dataclass(frozen=True)
class Probe:
    label: str
    q: str


@dataclasses.dataclass(frozen=True)
class Figure:
    user: str
    probe: Probe
    median_ms: float
    matches: str
    queries: int
    slowest_ms: float
    slowest_sql: str
    sql_ms: float  # page + count SQL, bare on a cursor

    @property
    def passed(self) -> bool:
        return self.median_ms < TARGET_MS


def rare_full_name() -> tuple[str, int]:
    """The least frequent two-word name that a Sambas worker has (so that both users find someone)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, count(*) FROM workers_worker WHERE name LIKE %s GROUP BY name"
            " HAVING bool_or(regency_code = %s) ORDER BY count(*), name LIMIT 1",
            ["% %", SAMBAS],
        )
        row = cursor.fetchone()
    if row is None:
        raise SystemExit("no two-word name generated: too few workers")
    return str(row[0]), int(row[1])


def reversed_words(name: str) -> str:
    """``"Karja Ardianto"`` → ``"Ardianto Karja"``: the same person searched as people also write names."""
    return " ".join(reversed(name.split()))


def bench_users() -> list[User]:
    from lindung.accounts.models import Role
    from lindung.testing import make_user

    return [
        make_user("bench_verifikator", Role.VERIFIKATOR, PROVINCE),
        make_user("bench_operator_sambas", Role.OPERATOR_KABUPATEN, SAMBAS),
    ]


def logged_in_client(user: User) -> Client:
    from django.test import Client

    from lindung.testing import TEST_PASSWORD

    client = Client()
    if not client.login(username=user.username, password=TEST_PASSWORD):
        raise SystemExit(f"{user.username} cannot log in")
    return client


def page_and_count_sql(user: User, q: str) -> list[tuple[str, tuple[Any, ...]]]:
    """The two worker queries the list view sends, built the way the view builds them.

    Building them runs ``worker_list`` (through ``worker_list_by_enrolment``), which for a name search on
    PostgreSQL already collects the matching ids (one query): callers time this function too. A query refused
    before reaching the database (a name shorter than three letters) has no statement.
    """
    from django.core.exceptions import EmptyResultSet

    from lindung.enrolments.selectors import worker_list_by_enrolment
    from lindung.enrolments.worker_list_views import PAGE_SIZE, CappedPaginator

    workers = worker_list_by_enrolment(user=user, q=q).select_related("village", "occupation")
    try:
        page_sql, page_params = workers[:PAGE_SIZE].query.sql_with_params()
    except EmptyResultSet:
        return []
    # What CappedPaginator.count sends: COUNT(*) over the capped id subquery (QuerySet.count on a slice).
    capped = workers.order_by().select_related(None).values("pk")[: CappedPaginator.CAP + 1]
    inner_sql, inner_params = capped.query.sql_with_params()
    return [(page_sql, page_params), (f"SELECT COUNT(*) FROM ({inner_sql}) subquery", inner_params)]  # noqa: S608 (Django's SQL)


def capped_matches(user: User, q: str) -> str:
    from lindung.enrolments.selectors import worker_list_by_enrolment
    from lindung.enrolments.worker_list_views import CappedPaginator

    counted = worker_list_by_enrolment(user=user, q=q).values("pk")[: CappedPaginator.CAP + 1].count()
    return f"> {CappedPaginator.CAP:,}" if counted > CappedPaginator.CAP else f"{counted:,}"


def measure(user: User, probe: Probe, runs: int) -> Figure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in_client(user)
    # A search is posted and kept in the session (web/searches.py): the list is then the address the POST
    # redirects to, ``?cari=<key>``. The POST itself only stores the text; the timed request is the list.
    address = "/pekerja/"
    if probe.q:
        posted = client.post(address, {"q": probe.q})
        if posted.status_code != 303:
            raise SystemExit(f"POST /pekerja/ as {user.username}: HTTP {posted.status_code}")
        address = posted["Location"]

    def get() -> float:
        started = time.perf_counter()
        response = client.get(address)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{address} ({probe.label}) as {user.username}: HTTP {response.status_code}")
        return elapsed

    get()  # warm-up: the session, the template cache and PostgreSQL's buffers
    median_ms = statistics.median(get() for _ in range(runs))
    # Counted on a separate request: capturing turns on Django's debug cursor, which costs a little.
    with CaptureQueriesContext(connection) as captured:
        get()
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))

    def bare() -> float:
        started = time.perf_counter()
        statements = page_and_count_sql(user, probe.q)
        with connection.cursor() as cursor:
            for statement, values in statements:
                cursor.execute(statement, values)
                cursor.fetchall()
        return (time.perf_counter() - started) * 1000

    bare()
    sql_ms = statistics.median(bare() for _ in range(runs))
    return Figure(
        user=user.username,
        probe=probe,
        median_ms=median_ms,
        matches=capped_matches(user, probe.q),
        queries=len(captured.captured_queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(str(slowest["sql"]).split())[:160],
        sql_ms=sql_ms,
    )


def matching_ids_sql(user: User, q: str) -> tuple[str, tuple[Any, ...]] | None:
    """The query with which a search by name or by a NIK's last digits collects its matching ids, or ``None``."""
    from django.core.exceptions import EmptyResultSet

    from lindung.accounts.scope import scope_queryset
    from lindung.workers.models import Worker
    from lindung.workers.selectors import NAME_MATCH_CAP, worker_search_q

    search = worker_search_q(q)
    if not q or search is None or (len(q) == 16 and q.isdigit()):
        return None
    ids = scope_queryset(Worker.objects.all(), user).filter(search).order_by().values_list("pk", flat=True)
    try:
        return ids[: NAME_MATCH_CAP + 1].query.sql_with_params()
    except EmptyResultSet:
        return None


def explain(user: User, probe: Probe) -> str:
    """EXPLAIN ANALYZE of the page and the count query (``--explain``), to see why a figure is slow."""
    from django.db import connection, transaction

    lines = [f"== {user.username}: {probe.label} ({probe.q or 'no search'})"]
    matching_ids = matching_ids_sql(user, probe.q)
    if matching_ids is not None:
        # How a search collects its matches first (``workers.selectors._narrow_to_matches``: bitmap scans only).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {matching_ids[0]}", matching_ids[1])
            lines += ["-- the matching ids", *(str(row[0]) for row in cursor.fetchall()), ""]
    with connection.cursor() as cursor:
        for statement, values in page_and_count_sql(user, probe.q):
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", values)
            lines += [str(row[0]) for row in cursor.fetchall()] + [""]
    return "\n".join(lines)


# Report


def report(
    *, figures: list[Figure], load: LoadFigures, prepare_seconds: float, load_average: tuple[float, float], runs: int
) -> str:
    rate = load.rows / load.seconds
    raw_rate = load.rows / load.raw_seconds
    failed = [f"{figure.probe.label} as {figure.user}" for figure in figures if not figure.passed]
    verdict = (
        f"every median under {TARGET_MS:.0f} ms"
        if not failed
        else f"{len(failed)} of {len(figures)} medians over {TARGET_MS:.0f} ms: " + "; ".join(failed)
    )
    lines = [
        f"### Worker registry at {load.rows:,} workers ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Schema: `lindung migrate` + `regions load --prefix 61` + `rules load` in {prepare_seconds:.1f} s.",
        f"- Load, ours: generate + `COPY` into `workers_worker` ({load.table_shape}) "
        f"{load.seconds:.1f} s = **{rate:,.0f} rows/s**; of which generating "
        f"{load.generate_seconds:.1f} s of client CPU and {load.waiting_seconds:.1f} s waiting for the server "
        f"(the two overlap only while the server keeps up). Table with indexes: {load.table_mb:,.0f} MB.",
        f"- Load, the same {load.spool_mb:,.0f} MB of COPY text from a file into an exact copy of `workers_worker` "
        f"(its indexes, checks and foreign keys): {load.replica_seconds:.1f} s = "
        f"**{load.rows / load.replica_seconds:,.0f} rows/s**: the database's share of ours.",
        f"- Load, raw baseline: the same {load.spool_mb:,.0f} MB of COPY text into `raw_worker` (no index, no "
        f"constraint but NOT NULL) {load.raw_seconds:.1f} s = **{raw_rate:,.0f} rows/s** ({load.raw_table_mb:,.0f} MB)."
        f" `VACUUM (ANALYZE)` afterwards: {load.vacuum_seconds:.1f} s.",
        f'- Requests: Django test `Client`, logged in, median of {runs} after one warm-up; "SQL only" is the '
        "median of building the list's queryset (for a name search on PostgreSQL this collects the matching ids "
        "through the trigram index) + the page query + the capped count query sent bare on a cursor (the "
        "database's share). A name of fewer than 3 letters is refused with a message, without a query.",
        f"- Verdict: {verdict}.",
        "",
        f"| request | user | matches | median | target {TARGET_MS:.0f} ms | queries | slowest query | SQL only |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        search = f" `{figure.probe.q}`" if figure.probe.q else ""
        lines.append(
            f"| {figure.probe.label}{search} | {figure.user} | {figure.matches} | {figure.median_ms:.1f} ms "
            f"| {'pass' if figure.passed else '**FAIL**'} | {figure.queries} | {figure.slowest_ms:.0f} ms "
            f"| {figure.sql_ms:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"Workers (default {DEFAULT_WORKERS:,}).")
    parser.add_argument("--runs", type=int, default=7, help="Timed requests per figure (default 7); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the CLI logs) afterwards.")
    parser.add_argument("--explain", action="store_true", help="Also print EXPLAIN ANALYZE of every request's SQL.")
    args = parser.parse_args()
    if args.workers < 1_000:
        parser.error("--workers: at least 1,000 (the searches need names that repeat)")

    with bench_database(args.database_url, prefix="lindung-bench-registry-", keep=args.keep) as bench:
        work_dir = bench.work_dir
        print(f"loading {args.workers:,} workers", flush=True)
        load = load_workers(count=args.workers, seed=SEED, spool=work_dir / "workers.copy")
        (work_dir / "workers.copy").unlink()
        print(
            f"loaded in {load.seconds:.1f} s (same bytes: into a replica {load.replica_seconds:.1f} s,"
            f" raw COPY {load.raw_seconds:.1f} s); timing requests",
            flush=True,
        )

        rare, rare_count = rare_full_name()
        probes = [
            Probe("worker list", ""),
            Probe("NIK search", load.probe_nik),
            Probe("name search, common fragment", COMMON_FRAGMENT),
            Probe(f"name search, rare full name ({rare_count} in the province)", rare),
            # Beyond the three the requirement names, the two shapes that defeat the indexes: a selective
            # name that sorts last (the list walks the name index from A looking for it) and two letters
            # (pg_trgm gets no trigram out of them, so the trigram index returns every row).
            Probe("name search, a first name sorting last", LATE_NAME),
            Probe("name search, two letters (refused: at least 3 letters)", TWO_LETTERS),
            # Issue 16: the words of a name in any order, and the last six digits of a NIK (as the list shows them).
            Probe(
                f"name search, the rare name's words in another order ({rare_count} in the province)",
                reversed_words(rare),
            ),
            Probe("name search, two common words in any order", f"{COMMON_FRAGMENT} {COMMON_WORD}"),
            Probe("NIK's last six digits", load.probe_nik[-6:]),
            Probe("NIK as the list masks it", f"{load.probe_nik[:4]}******{load.probe_nik[-6:]}"),
        ]
        figures = []
        for user in bench_users():
            for probe in probes:
                figures.append(measure(user, probe, args.runs))
                print(
                    f"  {user.username:22} {probe.label[:40]:40} {figures[-1].median_ms:7.1f} ms"
                    f"  (SQL only {figures[-1].sql_ms:.1f} ms; slowest: {figures[-1].slowest_sql[:70]})",
                    flush=True,
                )
                if args.explain:
                    print(explain(user, probe), flush=True)
        block = report(
            figures=figures,
            load=load,
            prepare_seconds=bench.prepare_s,
            load_average=(bench.load_before, os.getloadavg()[0]),
            runs=args.runs,
        )
        publish(OUT, block)


if __name__ == "__main__":
    main()
