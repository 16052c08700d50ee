"""Where a large import's time goes, step by step: each check timed, the write explained, all rolled back.

Usage, on the database and files that ``bench/imports.py --keep`` leaves (it prints their folder)::

    .venv/bin/python bench/imports.py --runs 1 --xlsx-rows 0 --keep
    .venv/bin/python bench/import_profile.py /tmp/lindung-bench-imports-XXXX/upload.csv            # EXPLAIN
    .venv/bin/python bench/import_profile.py /tmp/lindung-bench-imports-XXXX/upload.csv --timed    # wall time

It runs ``imports.services.import_run`` in this process inside a transaction that it rolls back, so the
database is left as it was. Each check of ``imports.checks`` and each read of the staging table prints its
seconds. The write runs with ``SET CONSTRAINTS ALL IMMEDIATE``: Django declares its foreign keys deferred, so
without it their row-by-row checks would run at the commit, which never comes here. With the default
``EXPLAIN (ANALYZE, BUFFERS, WAL)`` the plan shows each insert's time and, after it, one "Trigger for
constraint" line per foreign key with its total time (the ``EXPLAIN``'s own timing adds ~10 %); ``--timed``
runs the write plainly and prints its wall time. Figures from this script are in BENCHMARKS.md ("Importing
proposals").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/lindung_bench_imports"
PROGRAMME = "BENCH-IMPORT-2026"  # as bench/imports.py creates them
UPLOADER = "bench_admin_provinsi"


class _RolledBack(Exception):
    """Raised at the end of the profiled import so that its transaction is rolled back."""


def _timed(owner: Any, name: str) -> None:
    """Wrap ``owner.name`` so that each call prints its seconds (a generator's rows are fetched inside)."""
    function: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = function(*args, **kwargs)
        if hasattr(result, "__next__"):
            result = list(result)
        print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)
        return result

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upload", type=Path, help="the upload file bench/imports.py --keep left")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--timed", action="store_true", help="run the write plainly and time it, no EXPLAIN")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="the import's date (YYYY-MM-DD)")
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "lindung.settings",
            "DATABASE_URL": args.database_url,
            "LINDUNG_DATA_DIR": str(args.upload.parent / "profile-data"),
            "LINDUNG_SECRET_KEY": "bench-import-profile-not-secret",
            "LINDUNG_LOG_LEVEL": "WARNING",
            "LINDUNG_IMPORT_MAX_MB": "1024",
            "LINDUNG_IMPORT_MAX_ROWS": "10000000",
            "LINDUNG_IMPORT_MAX_UNPACKED_MB": "4096",
        }
    )
    import django

    django.setup()
    from django.db import transaction

    from lindung.accounts.models import User
    from lindung.imports import checks, services, staging
    from lindung.programmes.models import Programme

    for name in ("ready", "mark_registered", "registered", "too_old", "look_alikes", "look_alikes_in_file"):
        _timed(staging.Staging, name)
    for name in ("_registered", "_likely_duplicates", "_quota"):
        _timed(checks, name)

    def write(cursor: Any, sql: str, params: dict[str, Any]) -> None:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        if args.timed:
            cursor.execute(sql, params)
            print(f"  write, keys checked: {time.perf_counter() - started:.1f} s", flush=True)
            return
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql, params)
        for (line,) in cursor.fetchall():
            print(line)

    staging._execute = write  # the one door of the import's writes
    actor = User.objects.get(username=UPLOADER)
    programme = Programme.objects.get(code=PROGRAMME)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = services.import_run(actor=actor, programme=programme, path=args.upload, today=args.today)
            seconds = time.perf_counter() - started
            print(f"imported {result.imported:,}, rejected {result.rejected:,}, in {seconds:.1f} s")
            raise _RolledBack
    except _RolledBack:
        print("rolled back", file=sys.stderr)


if __name__ == "__main__":
    main()
