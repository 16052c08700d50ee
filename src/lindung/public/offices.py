"""The versioned file of BPJS Ketenagakerjaan offices per regency/city, and loading it.

``data/bpjs_offices.csv`` (columns ``regency_code, office, address, source, confidence``) holds one row
per regency/city of Kalimantan Barat (61.xx). The rows are an *approximation* by the Lindung team: the
branch towns (Pontianak, Singkawang, Sanggau, Sintang, Ketapang) and which regencies they serve were not
checked against BPJS Ketenagakerjaan's own list, so every row says ``low`` and the public page says the
office is approximate and names the JMO (formerly BPJSTKU) app and the 175 call centre. Street addresses
are left out on purpose: a wrong street is worse than a town. Replace rows as soon as the BPJS branch
confirms them, raising ``confidence`` and naming the ``source``.

Loading: migration ``0002_load_bpjs_offices`` loads the file once, so a new installation has the rows
without an extra step; after the file changes, ``lindung public offices load [--file FILE]`` brings the
table in line with it (idempotent: creates, updates, and deletes the rows the file no longer has, so the
page falls back to the generic sentence instead of naming an office nobody vouches for any more).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction

OFFICES_FILE = "bpjs_offices.csv"
COLUMNS = ("regency_code", "office", "address", "source", "confidence")
_REGENCY = re.compile(r"^[0-9]{2}\.[0-9]{2}$")
_CONFIDENCE = {"high", "med", "low"}
_FIELDS = ("name", "address", "source", "confidence")


@dataclass(frozen=True)
class OfficesLoadResult:
    created: int
    updated: int
    deleted: int
    unchanged: int


def read_offices_file(path: Path | None = None) -> dict[str, dict[str, str]]:
    """``{regency_code: {name, address, source, confidence}}`` from the packaged file (or ``path``).

    Every row is checked before anything is written; an error names the line.
    """
    text = (
        path.read_text(encoding="utf-8")
        if path
        else resources.files("lindung.public").joinpath("data", OFFICES_FILE).read_text(encoding="utf-8")
    )
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{OFFICES_FILE}: missing columns {', '.join(missing)}")
    rows: dict[str, dict[str, str]] = {}
    for line_no, row in enumerate(reader, start=2):
        code = (row["regency_code"] or "").strip()
        if not _REGENCY.match(code):
            raise ValueError(f"{OFFICES_FILE} line {line_no}: regency code {code!r} is not written like 61.01")
        if code in rows:
            raise ValueError(f"{OFFICES_FILE} line {line_no}: regency {code} appears twice")
        values = {
            "name": (row["office"] or "").strip(),
            "address": (row["address"] or "").strip(),
            "source": (row["source"] or "").strip(),
            "confidence": (row["confidence"] or "").strip(),
        }
        if not values["name"] or not values["source"]:
            raise ValueError(f"{OFFICES_FILE} line {line_no}: every office needs a name and a source")
        if values["confidence"] not in _CONFIDENCE:
            raise ValueError(f"{OFFICES_FILE} line {line_no}: confidence must be high, med or low")
        rows[code] = values
    return rows


def offices_load(*, path: Path | None = None, model: Any = None) -> OfficesLoadResult:
    """Bring the office table in line with the file; running it twice changes nothing the second time.

    ``model`` is the migration's historical model; the command passes none and gets the current one.
    """
    if model is None:
        from lindung.public.models import BpjsOffice

        model = BpjsOffice
    wanted = read_offices_file(path)
    existing = {office.regency_code: office for office in model.objects.all()}
    created, updated = [], []
    for code, values in wanted.items():
        current = existing.get(code)
        if current is None:
            created.append(model(regency_code=code, **values))
        elif any(getattr(current, f) != values[f] for f in _FIELDS):
            for f in _FIELDS:
                setattr(current, f, values[f])
            updated.append(current)
    gone = [code for code in existing if code not in wanted]
    with transaction.atomic():
        model.objects.bulk_create(created)
        model.objects.bulk_update(updated, list(_FIELDS))
        model.objects.filter(regency_code__in=gone).delete()
    return OfficesLoadResult(
        created=len(created),
        updated=len(updated),
        deleted=len(gone),
        unchanged=len(wanted) - len(created) - len(updated),
    )
