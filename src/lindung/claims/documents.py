"""The documents BPJS asks for, per claim type (RULES.md §3; Permenaker 5/2021).

Codes are stored on the claim (``Claim.documents``), labels are translated. The list is what the office
tells the family to bring; "documents complete" requires every one of them ticked.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.claims.models import ClaimType

DOCUMENTS: dict[str, Promise] = {
    "kartu_peserta": _("BPJS membership card (KPJ)"),
    "ktp_peserta": _("ID card (KTP) of the worker"),
    "ktp_ahli_waris": _("ID cards (KTP) of the heirs"),
    "akta_kematian": _("Death certificate"),
    "kartu_keluarga": _("Family card (KK)"),
    "surat_ahli_waris": _("Heirship letter from the village or sub-district"),
    "buku_rekening": _("Bank account book of the heir receiving the money"),
    "laporan_kecelakaan": _("Work accident report (stage I), signed by the village or the group"),
    "kronologi": _("Written account of the accident with two witnesses"),
    "laporan_polisi": _("Police report (for a traffic accident)"),
    "surat_dokter": _("Doctor's statement of the injury and treatment"),
    "surat_cacat": _("Doctor's statement of the disability and its degree"),
    "surat_stmb": _("Doctor's statement of the period unable to work"),
    "buku_rekening_peserta": _("Bank account book of the worker"),
}

_DEATH = ["kartu_peserta", "ktp_peserta", "ktp_ahli_waris", "akta_kematian", "kartu_keluarga", "surat_ahli_waris"]
_ACCIDENT = ["kartu_peserta", "ktp_peserta", "laporan_kecelakaan", "kronologi", "laporan_polisi", "surat_dokter"]

CHECKLISTS: dict[str, list[str]] = {
    ClaimType.JKM: [*_DEATH, "buku_rekening"],
    ClaimType.JKK_DEATH: [*_DEATH, "laporan_kecelakaan", "kronologi", "laporan_polisi", "buku_rekening"],
    ClaimType.JKK_TOTAL_DISABILITY: [*_ACCIDENT, "surat_cacat", "buku_rekening_peserta"],
    ClaimType.JKK_PARTIAL_DISABILITY: [*_ACCIDENT, "surat_cacat", "buku_rekening_peserta"],
    ClaimType.JKK_STMB: [*_ACCIDENT, "surat_stmb", "buku_rekening_peserta"],
}

# Only when the accident happened on the road; never blocks "documents complete".
OPTIONAL = frozenset({"laporan_polisi"})


def checklist(claim_type: str, received: list[str] | None = None) -> list[dict[str, object]]:
    """The type's documents in order: code, label, whether received, whether optional."""
    have = set(received or [])
    return [
        {"code": code, "label": DOCUMENTS[code], "received": code in have, "optional": code in OPTIONAL}
        for code in CHECKLISTS[claim_type]
    ]


def missing_documents(claim_type: str, received: list[str]) -> list[str]:
    have = set(received)
    return [code for code in CHECKLISTS[claim_type] if code not in have and code not in OPTIONAL]
