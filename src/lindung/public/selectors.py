"""Reads of the public check: the BPJS office a regency's workers are pointed to."""

from __future__ import annotations

from dataclasses import dataclass

from lindung.public.models import BpjsOffice, Confidence


@dataclass(frozen=True)
class PublicOffice:
    name: str
    address: str
    approximate: bool  # the data file is not sure of it: the page says so


def office_for_regency(regency_code: str) -> PublicOffice | None:
    """The office of ``regency_code`` (``61.01``) from the loaded data file, or None when it has no row.

    Runs its query even for an empty code, so that a check for nobody costs the same as one for someone.
    """
    row = BpjsOffice.objects.filter(regency_code=regency_code).values_list("name", "address", "confidence").first()
    if row is None:
        return None
    name, address, confidence = row
    return PublicOffice(name=name, address=address, approximate=confidence != Confidence.HIGH)
