"""Kemendagri region codes: dotted form ``61.01.01.2001`` (province.regency.district.village).

Large tables store the dotted codes of their province and regency beside the village, so that a
regency's question filters on one indexed column and the tables can later be partitioned or
distributed by province without a redesign.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[^0-9]")
# Lengths of the undotted parts: province 2, regency 2, district 2, village 4.
_PARTS = ((0, 2), (2, 4), (4, 6), (6, 10))


def dotted(code: str) -> str:
    """``"6101"`` → ``"61.01"``; ``"61.01"`` stays; ``"6101012001"`` → ``"61.01.01.2001"``."""
    digits = _DIGITS.sub("", code)
    return ".".join(digits[a:b] for a, b in _PARTS if digits[a:b])


def level_of(code: str) -> int:
    return code.count(".") + 1


def province_of(code: str) -> str:
    return code[:2]


def regency_of(code: str) -> str:
    """The regency/city part of a code at level 2 or below."""
    return code[:5]


def district_of(code: str) -> str:
    return code[:8]


def is_city(regency_code: str) -> bool:
    """Regency numbers 01-69 are kabupaten, 71-99 kota (RULES.md §6)."""
    return int(regency_code[3:5]) >= 71


def ancestors(code: str) -> list[str]:
    """``"61.01.01"`` → ``["61", "61.01"]``: the regions that contain ``code``, widest first."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def is_within(code: str, region: str) -> bool:
    """``code`` is ``region`` or lies under it (``61.01.01`` is within ``61.01``; ``61.010`` is not)."""
    return code == region or code.startswith(region + ".")
