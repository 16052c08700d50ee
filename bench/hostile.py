"""Benchmark hostile uploads at the default limits: the junk files at the 50 MB upload limit and the 1.8 KB
workbook that claims a 17-billion-cell range, each imported by ``lindung import`` (and its dry run), timed
with the process's own peak memory (issue 12: refused or reported within 60 s and 512 MB).

Usage (from the repository root): ``.venv/bin/python bench/hostile.py --runs 3``
(``--database-url postgres://…`` runs the imports against PostgreSQL instead of a throw-away SQLite file).

Each file is one of the test corpus's (``lindung.spreadsheets.tests.hostile``), written into a throw-away
folder. Beside each, a raw baseline in the same run: the file read to its end by the plainest reader there
is (``csv.reader`` over the file, or reading the zip's bytes), in a child process too, so that start-up counts
alike. The data folder holds a migrated database with Kalimantan Barat's regions, the rules, the categories,
one user per role and a programme, made once before the timed runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from common import (
    REPO,
    Measurement,
    git_revision,
    lindung_executable,
    machine_summary,
    median,
    publish,
    run_measured,
)

from lindung.spreadsheets.tests.hostile import BY_NAME

FILES = ("junk at the limit", "junk million lines", "one line at the limit", "zip bomb", "sparse huge range")
TARGET_SECONDS = 60
TARGET_MB = 512
_SETUP = """
from lindung.testing import make_cast, make_programme, set_quota
from lindung.workers.categories import seed_categories
from lindung.workers.models import OccupationCategory
seed_categories(OccupationCategory)
make_cast()
set_quota(make_programme("KALBAR-2026"), "61.01", 100)
"""
_RAW = """
import csv, sys, zipfile
path = sys.argv[1]
if path.endswith(".csv"):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        csv.field_size_limit(2**31 - 1)
        print(sum(1 for _ in csv.reader(f, delimiter=";")))
else:
    with open(path, "rb") as f:
        print(len(f.read()))
"""


@dataclass
class Figures:
    name: str
    size_mb: float
    outcome: str
    imports: list[Measurement]
    dry_runs: list[Measurement]
    raw: list[Measurement]


def prepare(data_dir: Path, env: dict[str, str]) -> None:
    lindung = lindung_executable()
    for argv in (
        [lindung, "migrate", "-v", "0"],
        [lindung, "regions", "load", "--prefix", "61"],
        [lindung, "rules", "load"],
        [lindung, "shell", "--no-imports", "-c", _SETUP],
    ):
        subprocess.run(argv, env=env, check=True, cwd=REPO, stdout=subprocess.DEVNULL)


def outcome_of(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode == 0:
        summary = json.loads(done.stdout)
        return f"reported: {summary['rows']} rows, {summary['rejected']} rejected"
    return "refused: " + (done.stderr.strip().splitlines() or ["?"])[-1].removeprefix("CommandError: ")


def measure(name: str, folder: Path, env: dict[str, str], runs: int) -> Figures:
    target = folder / name.replace(" ", "-")
    target.mkdir()
    path = BY_NAME[name].build(target)
    base = [lindung_executable(), "import", str(path), "--programme", "KALBAR-2026", "--as", "operator_sambas"]
    base += ["--json", "--lang", "en"]
    figures = Figures(name, path.stat().st_size / 1024 / 1024, outcome_of(base, env), [], [], [])
    for run in range(runs):
        figures.imports.append(run_measured(base, env=env, exit_codes=(0, 1)))
        figures.dry_runs.append(run_measured([*base, "--dry-run"], env=env, exit_codes=(0, 1)))
        figures.raw.append(run_measured([sys.executable, "-c", _RAW, str(path)], env=env))
        print(
            f"{name} run {run + 1}: import {figures.imports[-1].seconds:.1f} s {figures.imports[-1].max_rss_mb:.0f} MB,"
            f" dry run {figures.dry_runs[-1].seconds:.1f} s, raw {figures.raw[-1].seconds:.1f} s",
            flush=True,
        )
    return figures


def verdict(figures: Figures) -> str:
    worst_seconds = max(m.seconds for m in figures.imports + figures.dry_runs)
    worst_mb = max(m.max_rss_mb for m in figures.imports + figures.dry_runs)
    return "**PASS**" if worst_seconds < TARGET_SECONDS and worst_mb < TARGET_MB else "**FAIL**"


def report(all_figures: list[Figures], *, runs: int, database: str, load: tuple[float, float]) -> str:
    lines = [
        f"#### Hostile uploads at the default limits ({dt.date.today().isoformat()}, revision {git_revision()})",
        "",
        f"- Machine: {machine_summary()}.",
        f"- Command: `.venv/bin/python bench/hostile.py --runs {runs}`" + (" --database-url …" if database else ""),
        f"- Database: {database or 'SQLite (a throw-away file)'}; load average (1 min) before / after: "
        f"{load[0]:.1f} / {load[1]:.1f}.",
        "- Ours: `lindung import FILE --programme KALBAR-2026 --as operator_sambas --json` and the same with"
        " `--dry-run`, whole processes (start-up included). Raw: the file read to its end by `csv.reader` (CSV) or"
        " read as bytes (XLSX) in a child process. Target: refused or reported within 60 s and 512 MB.",
        "",
        "| file | size | outcome | import (median, peak) | dry run (median, peak) | raw read | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in all_figures:
        lines.append(
            f"| {f.name} | {f.size_mb:.1f} MB | {f.outcome[:110]} "
            f"| {median([m.seconds for m in f.imports]):.1f} s, {max(m.max_rss_mb for m in f.imports):.0f} MB "
            f"| {median([m.seconds for m in f.dry_runs]):.1f} s, {max(m.max_rss_mb for m in f.dry_runs):.0f} MB "
            f"| {median([m.seconds for m in f.raw]):.2f} s | {verdict(f)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Repetitions (default 3); medians are reported.")
    parser.add_argument("--database-url", default="", help="A PostgreSQL database to use (dropped and remade).")
    parser.add_argument("--keep", action="store_true", help="Keep the throw-away folder.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lindung-bench-hostile-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"LINDUNG_DATA_DIR": str(folder / "data"), "LINDUNG_SECRET_KEY": "bench-only-key"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        _recreate(args.database_url)
    print(f"machine: {machine_summary()}\nrevision: {git_revision()}", flush=True)
    try:
        prepare(folder / "data", env)
        load_before = os.getloadavg()[0]
        all_figures = [measure(name, folder, env, args.runs) for name in FILES]
        load = (load_before, os.getloadavg()[0])
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    publish(
        REPO / "bench" / "out" / "hostile.md",
        report(all_figures, runs=args.runs, database=args.database_url, load=load),
    )


def _recreate(url: str) -> None:
    import psycopg

    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
