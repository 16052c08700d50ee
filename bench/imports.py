"""Benchmark importing proposals: a 1,000,000-row CSV into PostgreSQL against a raw COPY of the same rows.

Usage (from the repository root; wrap it in ``flock /tmp/lindung-bench.lock`` on a shared machine)::

    .venv/bin/python bench/imports.py                                   # 1,000,000 rows over 1,000,000 workers
    .venv/bin/python bench/imports.py --rows 20000 --existing 20000 --xlsx-rows 5000 --runs 1   # quick check

1. Drops and recreates the database named in ``--database-url`` and prepares it with the real CLI
   (``lindung migrate``, ``regions load --prefix 61``, ``rules load``), as ``bench/registry.py`` does.
2. Loads ``--existing`` workers with the registry benchmark's generator (one ``COPY``), creates one open
   provincial programme with a quota per regency large enough for every row, and an ``admin_provinsi``
   uploader (region 61). ``VACUUM (ANALYZE)``.
3. Writes the upload: ``--rows`` new workers from the same generator (same seed, continuing after the
   existing ones, so every NIK is unique), as a regency types them: semicolon-separated UTF-8 with a BOM,
   the template's headers; dates mostly ``dd/mm/yyyy`` with every tenth one as ``17 Mei 1980`` or
   ``1980-05-17``; sex as ``L``/``P`` or spelt out; every fifth village as ``6101012001`` instead of the
   dotted code; every seventh NIK with dots or a leading apostrophe; category by code or by name;
   income (``Penghasilan``) 1,000,000; an heir for a third of the rows. Every row is valid: all the rules
   run on each of them and all of them are written, the worst case for the writes.
4. ``--runs`` rounds, each of:
   - the baselines, the same rows already clean as COPY text (rendered untimed): ``COPY`` into
     ``workers_worker`` itself (the issue's "same table": its indexes, checks and foreign keys, checked at
     once), rolled back and vacuumed (untimed); the same with the rows sorted by (regency, name), the order
     the import writes them in; and into ``raw_worker`` (``LIKE workers_worker INCLUDING DEFAULTS INCLUDING
     IDENTITY``: no index, check or foreign key), emptied before each run;
   - *ours*: ``lindung import FILE --programme CODE --as USER --json`` in a subprocess (wall time with
     interpreter and Django start-up, and the child's peak RSS), then its rows are removed (untimed:
     audit entries, enrolments, heirs, workers, the upload record) and ``VACUUM (ANALYZE)`` restores the
     starting state.
5. The same for an XLSX of ``--xlsx-rows`` (default 100,000) rows (target: under 30 s).
6. Prints a Markdown block (also written to ``bench/out/imports.md``) and drops the database unless
   ``--keep``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common import (
    PROVINCE,
    REPO,
    add_database_arguments,
    bench_database,
    environment_lines,
    git_revision,
    lindung_executable,
    publish,
    run_measured,
)

# Python puts this script's folder first on sys.path: the registry benchmark imports as "registry".
from registry import (
    CHUNK,
    SEED,
    SyntheticWorkers,
    copy_file,
    copy_text,
    table_shape,
    worker_columns,
)

if TYPE_CHECKING:
    from lindung.accounts.models import User
    from lindung.programmes.models import Programme

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_imports"
DEFAULT_ROWS = 1_000_000
DEFAULT_XLSX_ROWS = 100_000
CSV_TARGET_S = 60.0
XLSX_TARGET_S = 30.0
RATIO_TARGET = 0.5  # at least half the raw COPY's throughput
MEMORY_TARGET_MB = 1024.0
PROGRAMME = "BENCH-IMPORT-2026"
UPLOADER = "bench_admin_provinsi"
OUT = REPO / "bench" / "out" / "imports.md"
HEADERS = (
    "NIK",
    "Nama Lengkap",
    "Tempat Lahir",
    "Tanggal Lahir",
    "Jenis Kelamin",
    "Alamat",
    "Kode Desa",
    "No HP",
    "Kategori",
    "Penghasilan",
    "No KK",
    "Nama Ibu Kandung",
    "Ahli Waris",
    "Hubungan Ahli Waris",
    "Versi Pemberitahuan Privasi",
)
_MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


# The upload


def bench_actor() -> User:
    from lindung.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username=UPLOADER, defaults={"role": Role.ADMIN_PROVINSI, "region_id": PROVINCE, "is_active": True}
    )
    return user


def bench_programme(rows: int) -> Programme:
    """An open provincial programme for 2026 whose quotas leave room for every row and every existing worker."""
    from lindung.programmes.models import FunderType, Programme, RegencyQuota
    from lindung.regions.models import Region

    programme, created = Programme.objects.get_or_create(
        code=PROGRAMME,
        defaults={
            "name": "Bench import 2026",
            "funder_type": FunderType.APBD_PROVINSI,
            "funder_name": "Pemerintah Provinsi Kalimantan Barat",
            "region_id": PROVINCE,
            "fiscal_year": 2026,
            "coverage_start": dt.date(2026, 1, 1),
            "coverage_end": dt.date(2026, 12, 31),
            "budget_ceiling": rows * 16_800 * 12,
            "target_workers": rows,
            "open_for_proposals": True,
        },
    )
    if created:
        regencies = Region.objects.filter(level=Region.Level.REGENCY, code__startswith=f"{PROVINCE}.")
        RegencyQuota.objects.bulk_create(
            RegencyQuota(programme=programme, regency_id=code, quota=2 * rows + 1_000)
            for code in regencies.values_list("code", flat=True)
        )
    return programme


def _category_labels() -> dict[int, tuple[str, str]]:
    from lindung.workers.models import OccupationCategory

    return {pk: (code, name) for pk, code, name in OccupationCategory.objects.values_list("pk", "code", "name")}


def typed_rows(chunks: Iterable[Sequence[tuple[object, ...]]]) -> Iterator[tuple[list[object], tuple[object, ...]]]:
    """(cells as a regency types them, the generator's clean worker row) for every generated worker."""
    categories = _category_labels()
    i = 0
    for chunk in chunks:
        for row in chunk:
            nik, name, birth_place, birth_date, sex, address, phone, occupation, kk, mother, village = row[:11]
            assert isinstance(birth_date, dt.date)
            i += 1
            shown_nik: object = nik
            if i % 7 == 0:
                shown_nik = f"{str(nik)[:4]}.{str(nik)[4:8]}.{str(nik)[8:]}" if i % 2 else f"'{nik}"
            shown_date: object = f"{birth_date:%d/%m/%Y}"
            if i % 10 == 3:
                shown_date = f"{birth_date.day} {_MONTHS_ID[birth_date.month - 1]} {birth_date.year}"
            elif i % 10 == 6:
                shown_date = birth_date.isoformat()
            shown_sex = sex if i % 4 else {"L": "Laki-laki", "P": "Perempuan"}[str(sex)]
            shown_village = str(village).replace(".", "") if i % 5 == 0 else village
            code, label = categories[int(str(occupation))]
            heir = ("Siti Rahmawati", "Istri") if i % 3 == 0 else ("", "")
            cells = [
                shown_nik,
                name,
                birth_place,
                shown_date,
                shown_sex,
                address,
                shown_village,
                phone,
                label if i % 2 else code,
                1_000_000,
                kk,
                mother,
                *heir,
                1,  # the privacy notice's version
            ]
            yield cells, row


def write_csv(path: Path, chunks: Iterable[Sequence[tuple[object, ...]]]) -> None:
    """The upload as CSV (semicolons and a BOM, as Excel saves "CSV UTF-8" in an Indonesian locale)."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADERS)
        for cells, _ in typed_rows(chunks):
            writer.writerow(cells)


def write_xlsx(path: Path, chunks: Iterable[Sequence[tuple[object, ...]]]) -> None:
    """The upload as an XLSX: NIK and KK as text cells, dates as date cells, income as a number."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADERS)
    for r, (cells, row) in enumerate(typed_rows(chunks), start=1):
        for c, value in enumerate(cells):
            if c == 3:
                birth_date = row[3]
                assert isinstance(birth_date, dt.date)
                sheet.write_datetime(r, c, dt.datetime.combine(birth_date, dt.time()), date_format)
            elif isinstance(value, int):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
    workbook.close()


# Raw baseline


def _spooled(chunks: Iterable[Sequence[tuple[object, ...]]], spool: Path) -> Iterator[Sequence[tuple[object, ...]]]:
    """Pass the chunks on while writing them, clean, as COPY text for ``workers_worker``'s columns (the raw
    baseline's input, rendered once and untimed); nothing is kept in memory."""
    with spool.open("w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(copy_text(chunk))
            yield chunk


def timed_raw_copy(spool: Path) -> float:
    """The bare baseline: ``COPY`` into ``raw_worker``, a copy of the table's columns without index, check or
    foreign key, autocommit."""
    return _timed_copy(
        spool,
        "raw_worker",
        before=[
            "DROP TABLE IF EXISTS raw_worker",
            "CREATE TABLE raw_worker (LIKE workers_worker INCLUDING DEFAULTS INCLUDING IDENTITY)",
        ],
        after=["DROP TABLE raw_worker"],
    )


def timed_table_copy(spool: Path) -> float:
    """The issue's baseline: ``COPY`` into ``workers_worker`` itself, with its indexes, checks and foreign keys
    (checked at once: ``SET CONSTRAINTS ALL IMMEDIATE``), then rolled back; the dead rows are vacuumed
    away (untimed) so that the next figure starts from the same table."""
    return _timed_copy(
        spool,
        "workers_worker",
        before=["BEGIN", "SET CONSTRAINTS ALL IMMEDIATE"],
        after=["ROLLBACK", "VACUUM (ANALYZE) workers_worker"],
    )


def _timed_copy(spool: Path, table: str, *, before: list[str], after: list[str]) -> float:
    """Seconds to ``COPY`` the spool into ``table``'s worker columns; ``before`` and ``after`` run untimed
    on the same autocommit connection."""
    from django.db import connection
    from psycopg import sql

    columns = sql.SQL(", ").join(map(sql.Identifier, worker_columns()))
    connection.ensure_connection()
    pg = connection.connection
    assert pg is not None
    with pg.cursor() as cursor:
        for statement in before:
            cursor.execute(statement)
        seconds = copy_file(cursor, spool, table, columns)
        for statement in after:
            cursor.execute(statement)
    return seconds


def sorted_spool(spool: Path) -> Path:
    """The same COPY text sorted by (regency, name), the order the import writes its workers in."""
    columns = worker_columns()
    regency, name = columns.index("regency_code") + 1, columns.index("name") + 1
    out = spool.with_suffix(".sorted.copy")
    subprocess.run(
        ["sort", "-t", "\t", f"-k{regency},{regency}", f"-k{name},{name}", "-o", str(out), str(spool)],
        check=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    return out


# Ours


@dataclasses.dataclass
class ImportRun:
    seconds: float
    max_rss_mb: float
    summary: dict[str, Any]
    phases: tuple[float, float, float] | None  # read + clean + stage, check, write (the import's own log line)


_PHASES = re.compile(
    r"import of \d+ rows: read, cleaned and staged in ([\d.]+) s, checked in ([\d.]+) s, written in ([\d.]+) s"
)


# Linux keeps a process's peak RSS across exec, and a child starts as a copy of its parent's memory: measured
# straight from this process (which holds Django and a million generated rows), every import would report
# this process's peak. A small interpreter in between spawns the import and reports the import's own peak.
_PEAK_OF_CHILD = (
    "import os, sys\n"
    "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def timed_import(path: Path, env: dict[str, str], log: Path) -> ImportRun:
    peak_file = log.with_suffix(".peak")
    argv = [lindung_executable(), "import", str(path), "--programme", PROGRAMME, "--as", UPLOADER, "--json"]
    # INFO for the import's one line of phase timings (counts and seconds, nothing personal).
    measured = run_measured(
        [sys.executable, "-S", "-c", _PEAK_OF_CHILD, str(peak_file), *argv],
        env={**env, "LINDUNG_LOG_LEVEL": "INFO"},
        log=log,
    )
    peak_mb = int(peak_file.read_text()) / 1024  # KiB on Linux
    lines = log.read_text(encoding="utf-8").splitlines()
    # The command's one JSON document; the log lines around it are JSON too (LINDUNG_LOG_FORMAT=json).
    documents = [json.loads(line) for line in lines if line.startswith("{")]
    summary = next(document for document in documents if "imported" in document)
    summary.pop("errors", None)
    found = next((m for line in lines if (m := _PHASES.search(line))), None)
    phases = (float(found[1]), float(found[2]), float(found[3])) if found else None
    return ImportRun(measured.seconds, peak_mb, summary, phases)


def undo_import(existing_max_id: int) -> float:
    """Remove what the import wrote (untimed), then VACUUM (ANALYZE) back to the starting state."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # The audit log refuses DELETE (a trigger); replica mode skips user triggers for this session only.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "DELETE FROM audit_auditentry WHERE action IN"
            " ('worker.registered', 'enrolment.proposed', 'import.completed')"
        )
        cursor.execute("DELETE FROM enrolments_enrolment")
        cursor.execute("DELETE FROM workers_heir")
        cursor.execute("DELETE FROM workers_worker WHERE id > %s", [existing_max_id])
        cursor.execute("DELETE FROM imports_importbatch")
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def load_existing(chunks: Iterable[Sequence[tuple[object, ...]]]) -> float:
    """The registered workers, one ``COPY`` into ``workers_worker``; returns seconds."""
    from django.db import connection
    from psycopg import sql

    columns = sql.SQL(", ").join(map(sql.Identifier, worker_columns()))
    connection.ensure_connection()
    pg = connection.connection
    assert pg is not None
    started = time.perf_counter()
    with pg.cursor() as cursor, cursor.copy(sql.SQL("COPY workers_worker ({}) FROM STDIN").format(columns)) as copy:
        for chunk in chunks:
            copy.write(copy_text(chunk))
    return time.perf_counter() - started


def split_source(existing: int, rows: int, xlsx_rows: int) -> SyntheticWorkers:
    """One generator for the existing workers and both uploads, so that no NIK is issued twice."""
    return SyntheticWorkers(count=existing + rows + xlsx_rows, seed=SEED)


def take(chunks: Iterator[list[tuple[object, ...]]], count: int) -> Iterator[list[tuple[object, ...]]]:
    """``count`` rows from the shared generator, in chunks (CHUNK divides the counts given on the command line)."""
    taken = 0
    while taken < count:
        chunk = next(chunks)
        taken += len(chunk)
        yield chunk


def vacuum_analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def existing_max_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM workers_worker")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


# Report


def verdict(passed: bool) -> str:
    return "**PASS**" if passed else "**FAIL**"


@dataclasses.dataclass
class Figures:
    rows: int
    raw: list[float]  # COPY into a bare table
    table: list[float]  # COPY into workers_worker, file order
    table_sorted: list[float]  # COPY into workers_worker, sorted as the import sorts
    ours: list[ImportRun]

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw)

    @property
    def table_median(self) -> float:
        return statistics.median(self.table)

    @property
    def table_sorted_median(self) -> float:
        return statistics.median(self.table_sorted)

    @property
    def ours_median(self) -> float:
        return statistics.median(r.seconds for r in self.ours)

    @property
    def rss_max(self) -> float:
        return max(r.max_rss_mb for r in self.ours)

    @property
    def ratio(self) -> float:
        """Our throughput as a share of the issue's baseline: the raw COPY into the same table."""
        return self.table_median / self.ours_median


def report(
    *,
    existing: int,
    runs: int,
    csv_figures: Figures,
    xlsx_figures: Figures | None,
    load: tuple[float, float, float],
    shape: str,
    load_average: tuple[float, float],
) -> str:
    prepare_s, existing_s, vacuum_s = load
    c = csv_figures
    summary = c.ours[-1].summary
    lines = [
        f"#### Importing proposals: {c.rows:,} CSV rows over {existing:,} workers"
        f" ({dt.date.today():%Y-%m-%d}, revision {git_revision()})",
        "",
        *environment_lines(load_average),
        f"- Data: schema {prepare_s:.1f} s; {existing:,} existing workers (registry generator, `COPY`)"
        f" {existing_s:.1f} s; `VACUUM (ANALYZE)` {vacuum_s:.1f} s. `workers_worker`: {shape}.",
        f"- Upload: {c.rows:,} new workers typed as a regency types them (see `bench/imports.py`); outcome of the"
        f" last run: {summary}.",
        "- Baselines, the same rows, clean, as COPY text: *into the same table* (the issue's baseline):"
        " `COPY` into `workers_worker` with its indexes, checks and foreign keys (checked at once), in file order,"
        " then rolled back and vacuumed (untimed); *sorted*: the same, the rows sorted by (regency, name) as the"
        " import writes them; *bare*: into `raw_worker` (`LIKE workers_worker`: no index, check or foreign key),"
        " autocommit. Ours: `lindung import FILE --programme CODE --as USER --json` in a subprocess: interpreter"
        " and Django start-up, reading, cleaning, the checks, and writing workers, heirs, enrolments and their"
        " audit entries in one transaction. Its rows are removed and the database vacuumed between runs (untimed).",
        "",
        "| figure | median | runs | target | result |",
        "|---|---|---|---|---|",
        f"| `COPY` of {c.rows:,} clean rows into `workers_worker` | {c.table_median:.1f} s"
        f" ({c.rows / c.table_median:,.0f} rows/s) | {', '.join(f'{s:.1f}' for s in c.table)} | | |",
        f"| the same, rows sorted by (regency, name) | {c.table_sorted_median:.1f} s"
        f" ({c.rows / c.table_sorted_median:,.0f} rows/s) | {', '.join(f'{s:.1f}' for s in c.table_sorted)} | | |",
        f"| the same into a bare table | {c.raw_median:.1f} s ({c.rows / c.raw_median:,.0f} rows/s)"
        f" | {', '.join(f'{s:.1f}' for s in c.raw)} | | |",
        f"| `lindung import` CSV, {c.rows:,} rows | {c.ours_median:.1f} s ({c.rows / c.ours_median:,.0f} rows/s)"
        f" | {', '.join(f'{r.seconds:.1f}' for r in c.ours)} | < {CSV_TARGET_S:.0f} s"
        f" | {verdict(c.ours_median < CSV_TARGET_S)} |",
        f"| throughput against `COPY` into the same table | {c.ratio:.2f}× | | ≥ {RATIO_TARGET}×"
        f" | {verdict(c.ratio >= RATIO_TARGET)} |",
        f"| against the sorted `COPY` / the bare table | {c.table_sorted_median / c.ours_median:.2f}× /"
        f" {c.raw_median / c.ours_median:.3f}× | | | |",
        f"| peak memory of the import | {c.rss_max:.0f} MB | {', '.join(f'{r.max_rss_mb:.0f}' for r in c.ours)}"
        f" | < {MEMORY_TARGET_MB:.0f} MB | {verdict(c.rss_max < MEMORY_TARGET_MB)} |",
    ]
    if xlsx_figures is not None:
        x = xlsx_figures
        lines.append(
            f"| `lindung import` XLSX, {x.rows:,} rows | {x.ours_median:.1f} s ({x.rows / x.ours_median:,.0f} rows/s)"
            f" | {', '.join(f'{r.seconds:.1f}' for r in x.ours)} | < {XLSX_TARGET_S:.0f} s"
            f" | {verdict(x.ours_median < XLSX_TARGET_S)} |"
        )
        lines.append(
            f"| peak memory, XLSX | {x.rss_max:.0f} MB | {', '.join(f'{r.max_rss_mb:.0f}' for r in x.ours)} | | |"
        )
    lines += _phase_lines(c, "CSV")
    if xlsx_figures is not None:
        lines += _phase_lines(xlsx_figures, "XLSX")
    return "\n".join(lines) + "\n"


def _phase_lines(figures: Figures, kind: str) -> list[str]:
    phases = [r.phases for r in figures.ours if r.phases]
    if not phases:
        return []
    read, check, write = (statistics.median(p[i] for p in phases) for i in range(3))
    rest = figures.ours_median - read - check - write
    return [
        "",
        f"- Where the {kind} import's time goes (medians, from its own log line): reading, cleaning and staging"
        f" (`COPY` into the temporary table) {read:.1f} s; the checks against the registry {check:.1f} s; the"
        f" writing transaction (workers, heirs, enrolments, audit entries, commit) {write:.1f} s; interpreter,"
        f" Django start-up and the rest {rest:.1f} s.",
    ]


def measure(path: Path, spool: Path, rows: int, runs: int, env: dict[str, str], work_dir: Path, base: int) -> Figures:
    figures = Figures(rows=rows, raw=[], table=[], table_sorted=[], ours=[])
    ordered = sorted_spool(spool)
    for run in range(runs):
        figures.raw.append(timed_raw_copy(spool))
        figures.table.append(timed_table_copy(spool))
        figures.table_sorted.append(timed_table_copy(ordered))
        result = timed_import(path, env, work_dir / f"import-{path.suffix[1:]}-{run}.log")
        figures.ours.append(result)
        print(
            f"  run {run + 1}: COPY bare {figures.raw[-1]:.1f} s, into workers_worker {figures.table[-1]:.1f} s"
            f" (sorted {figures.table_sorted[-1]:.1f} s), import {result.seconds:.1f} s"
            f" ({result.max_rss_mb:.0f} MB) {result.summary}",
            flush=True,
        )
        # Generated people born the same day in the same regency with similar names are rejected as likely
        # duplicates, as a real upload's would be: a handful per million. Anything else is a bench failure.
        if result.summary.get("rows") != rows or result.summary.get("imported", 0) < rows * 0.99:
            raise SystemExit(f"the import did not take the rows: {result.summary}; see {work_dir}")
        undo = undo_import(base)
        print(f"  removed and vacuumed in {undo:.1f} s", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help=f"CSV rows (default {DEFAULT_ROWS:,}).")
    parser.add_argument("--existing", type=int, default=DEFAULT_ROWS, help="Workers already registered.")
    parser.add_argument("--xlsx-rows", type=int, default=DEFAULT_XLSX_ROWS, help="XLSX rows (0: no XLSX run).")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs per figure (default 3); medians.")
    add_database_arguments(parser, DEFAULT_URL, keep_help="Keep the database (and the files and logs) afterwards.")
    args = parser.parse_args()
    for name in ("rows", "existing", "xlsx_rows"):
        if getattr(args, name) % CHUNK:
            parser.error(f"--{name.replace('_', '-')}: a multiple of {CHUNK:,}")

    # The upload limit (50 MB by default) lets through the million-row file (~180 MB).
    # A province's first load is beyond an ordinary upload's limits (50 MB, 300,000 rows): the installation
    # that takes it raises them, as here.
    limits = {
        "LINDUNG_IMPORT_MAX_MB": "1024",
        "LINDUNG_IMPORT_MAX_ROWS": str(max(args.rows, args.xlsx_rows)),
        "LINDUNG_IMPORT_MAX_UNPACKED_MB": "4096",
    }
    with bench_database(args.database_url, prefix="lindung-bench-imports-", keep=args.keep, extra_env=limits) as bench:
        env, work_dir = bench.env, bench.work_dir
        source = split_source(args.existing, args.rows, args.xlsx_rows)
        chunks = source.chunks(CHUNK)
        print(f"loading {args.existing:,} existing workers", flush=True)
        existing_s = load_existing(take(chunks, args.existing))
        bench_actor()
        bench_programme(args.existing + args.rows)
        vacuum_s = vacuum_analyze()
        base = existing_max_id()
        print(f"existing workers in {existing_s:.1f} s; writing the files", flush=True)
        csv_path, csv_spool = work_dir / "upload.csv", work_dir / "upload.copy"
        write_csv(csv_path, _spooled(take(chunks, args.rows), csv_spool))
        xlsx_path, xlsx_spool = work_dir / "upload.xlsx", work_dir / "upload-xlsx.copy"
        if args.xlsx_rows:
            write_xlsx(xlsx_path, _spooled(take(chunks, args.xlsx_rows), xlsx_spool))
        with _cursor() as cursor:
            shape = table_shape(cursor, "workers_worker")
        print(f"CSV {csv_path.stat().st_size / 1e6:.0f} MB; importing", flush=True)
        csv_figures = measure(csv_path, csv_spool, args.rows, args.runs, env, work_dir, base)
        xlsx_figures = None
        if args.xlsx_rows:
            print(f"XLSX {xlsx_path.stat().st_size / 1e6:.0f} MB; importing", flush=True)
            xlsx_figures = measure(xlsx_path, xlsx_spool, args.xlsx_rows, args.runs, env, work_dir, base)
        block = report(
            existing=args.existing,
            runs=args.runs,
            csv_figures=csv_figures,
            xlsx_figures=xlsx_figures,
            load=(bench.prepare_s, existing_s, vacuum_s),
            shape=shape,
            load_average=(bench.load_before, os.getloadavg()[0]),
        )
        publish(OUT, block)


def _cursor() -> Any:
    from django.db import connection

    connection.ensure_connection()
    pg = connection.connection
    assert pg is not None
    return pg.cursor()


if __name__ == "__main__":
    main()
