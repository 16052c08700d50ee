"""Builders of registration input for the worker tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lindung.regions.models import Region
from lindung.testing import SAMBAS_VILLAGE, make_nik
from lindung.workers.models import OccupationCategory

BIRTH = dt.date(1980, 5, 17)


def registration(village: str = SAMBAS_VILLAGE, **overrides: Any) -> dict[str, Any]:
    """Valid service input for a man born on ``BIRTH`` in ``village``."""
    birth_date = overrides.pop("birth_date", BIRTH)
    sex = overrides.pop("sex", "L")
    data: dict[str, Any] = {
        "nik": make_nik(district=village[:8], birth_date=birth_date, sex=sex),
        "name": "Budi Santoso",
        "birth_place": "Sambas",
        "birth_date": birth_date,
        "sex": sex,
        "address": "Jl. Pasar No. 3",
        "village": Region.objects.get(code=village),
        "phone": "0812-3456-7890",
        "occupation": OccupationCategory.objects.get(code="NELAYAN"),
        "declared_income": 1_000_000,
        "kk_number": "",
        "mother_maiden_name": "Siti",
        "privacy_notice": 1,  # the version the person was given (the form's tick box posts it)
    }
    data.update(overrides)
    return data


def form_post(data: dict[str, Any], heirs: list[dict[str, str]] | None = None, **extra: str) -> dict[str, str]:
    """The registration form's POST body for service input ``data``."""
    post = {
        key: (value.code if isinstance(value, Region | OccupationCategory) else value) for key, value in data.items()
    }
    post["birth_date"] = data["birth_date"].isoformat()
    heirs = heirs or []
    post.update({"heirs-TOTAL_FORMS": str(len(heirs) + 1), "heirs-INITIAL_FORMS": "0"})
    for n, heir in enumerate(heirs):
        post.update({f"heirs-{n}-{k}": v for k, v in heir.items()})
    post.update(extra)
    return {k: str(v) for k, v in post.items()}
