"""Finding the village of a row: by its Kemendagri code, or by regency, district and village names.

Names are matched case-insensitively with single spaces; a regency may be written with or without
``Kab.``, ``Kabupaten`` or ``Kota``; a district is looked for only within its regency and a village only
within its district. Children are loaded from the Region table once per parent and kept for the upload.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext

from lindung.regions.codes import dotted
from lindung.regions.models import Region
from lindung.spreadsheets.cells import CellError

_SPACES = re.compile(r"\s+")
_REGENCY_PREFIX = re.compile(r"^(kabupaten|kab\.|kab|kota)(?:\s+|(?<=\.))")
_DISTRICT_PREFIX = re.compile(r"^(kecamatan|kec\.)\s*")
_VILLAGE_PREFIX = re.compile(r"^(desa|kelurahan|kel\.)\s+")


def _key(value: str) -> str:
    return _SPACES.sub(" ", value.casefold()).strip()


class RegionResolver:
    def __init__(self) -> None:
        # All regencies/cities of Indonesia (514 rows): a regency outside the programme is then
        # reported as outside its region rather than as unknown.
        self._regencies: dict[str, list[tuple[str, str]]] = {}
        for code, name, kind in Region.objects.filter(level=Region.Level.REGENCY).values_list("code", "name", "kind"):
            bare = _REGENCY_PREFIX.sub("", _key(name))
            self._regencies.setdefault(bare, []).append((code, kind))
        self._children: dict[str, dict[str, list[str]]] = {}
        self._villages: dict[str, bool] = {}

    def preload_villages(self, prefix: str) -> None:
        """Know every village code under ``prefix`` (a programme's region) with one query."""
        codes = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=prefix + ".")
        self._villages.update(dict.fromkeys(codes.values_list("code", flat=True), True))

    def by_code(self, raw: str) -> str:
        code = dotted(raw)
        if code.count(".") != 3 or len(code) != 13:
            raise CellError(
                gettext("%(value)s is not a village code; write it as 61.01.01.2001 or 6101012001.") % {"value": raw}
            )
        if code not in self._villages:
            self._villages[code] = Region.objects.filter(code=code, level=Region.Level.VILLAGE).exists()
        if not self._villages[code]:
            raise CellError(gettext("Village code %(code)s is not in the Kemendagri data.") % {"code": code})
        return code

    def regency(self, raw: str) -> str:
        key = _key(raw)
        prefix = _REGENCY_PREFIX.match(key)
        kind = None if prefix is None else ("kota" if prefix.group(1) == "kota" else "kabupaten")
        candidates = self._regencies.get(_REGENCY_PREFIX.sub("", key), [])
        if kind:
            candidates = [c for c in candidates if c[1] == kind]
        if len(candidates) > 1:
            raise CellError(
                gettext("%(value)s is both a regency and a city: write Kabupaten %(value)s or Kota %(value)s.")
                % {"value": raw}
            )
        if not candidates:
            raise CellError(gettext("Unknown regency or city %(value)s.") % {"value": raw})
        return candidates[0][0]

    def district(self, regency: str, raw: str) -> str:
        found = self._child(regency, _DISTRICT_PREFIX.sub("", _key(raw)))
        if not found:
            raise CellError(gettext("There is no district %(value)s in this regency/city.") % {"value": raw})
        return found[0]

    def village(self, district: str, raw: str) -> str:
        found = self._child(district, _VILLAGE_PREFIX.sub("", _key(raw)))
        if not found:
            raise CellError(gettext("There is no village %(value)s in this district.") % {"value": raw})
        if len(found) > 1:
            raise CellError(
                gettext("This district has several villages named %(value)s: use the village code column instead.")
                % {"value": raw}
            )
        return found[0]

    def _child(self, parent: str, key: str) -> list[str]:
        if parent not in self._children:
            children: dict[str, list[str]] = {}
            for code, name in Region.objects.filter(parent_id=parent).values_list("code", "name"):
                children.setdefault(_key(name), []).append(code)
            self._children[parent] = children
        return self._children[parent].get(key, [])
