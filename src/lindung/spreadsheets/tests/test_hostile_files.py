"""Every hostile file of the corpus, at the reading layer: refused with its sentence or read cleanly, and
never more than 512 MB of memory, measured in a separate process with an address-space limit."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from lindung.spreadsheets.limits import ImportFileError
from lindung.spreadsheets.reading import table_open
from lindung.spreadsheets.tests.conftest import HostileFile
from lindung.spreadsheets.tests.hostile import CORPUS, MEMORY_PROBES, Hostile

EVERY_FILE = (*CORPUS, *MEMORY_PROBES)

PEAK_LIMIT_MB = 512
# An address-space limit well above the peak allowed, so that a reader that asks for gigabytes fails at
# once in the child (as the 549 GB grid did) instead of taking the machine down.
ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024


def read_all(path: Path) -> str:
    """ "read N rows" or "refused: <the sentence>"."""
    try:
        table = table_open(path)
    except ImportFileError as exc:
        return f"refused: {exc.message}"
    try:
        rows = sum(1 for _ in table.rows)
    except ImportFileError as exc:
        return f"refused: {exc.message}"
    finally:
        table.close()
    return f"read {rows} rows"


def expected(hostile: Hostile, outcome: str) -> bool:
    if not hostile.refusal:
        return outcome.startswith("read ")
    return outcome.startswith("refused: ") and any(words in outcome for words in hostile.refusal)


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("hostile", EVERY_FILE, ids=lambda hostile: hostile.name)
def test_every_hostile_file_is_refused_with_its_sentence_or_read_cleanly(hostile: Hostile, hostile_file: HostileFile):
    outcome = read_all(hostile_file(hostile.name))

    assert expected(hostile, outcome), outcome


_CHILD = """
import json, os, resource, sys
import django
django.setup()
from django.utils import translation
translation.activate("en")
from pathlib import Path
from lindung.spreadsheets.tests.test_hostile_files import read_all
for path in sys.argv[1:]:
    outcome = read_all(Path(path))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"path": path, "outcome": outcome, "peak_mb": peak}), flush=True)
"""


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))


def test_reading_every_hostile_file_stays_under_512_mb_in_a_process_of_its_own(hostile_file: HostileFile):
    paths = [str(hostile_file(hostile.name)) for hostile in EVERY_FILE]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lindung.settings"}
    child = subprocess.Popen(  # noqa: S603 - our own interpreter running our own code
        [sys.executable, "-c", _CHILD, *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        preexec_fn=_limit_address_space,
    )
    out, err = child.communicate(timeout=600)
    reports = [json.loads(line) for line in out.decode().splitlines()]

    assert child.returncode == 0, err.decode()[-3000:]
    assert [report["path"] for report in reports] == paths
    for hostile, report in zip(EVERY_FILE, reports, strict=True):
        assert expected(hostile, report["outcome"]), (hostile.name, report["outcome"])
    peaks = {hostile.name: report["peak_mb"] for hostile, report in zip(EVERY_FILE, reports, strict=True)}
    assert max(peaks.values()) < PEAK_LIMIT_MB, peaks
