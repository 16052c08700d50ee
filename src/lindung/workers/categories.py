"""The occupation categories every installation starts with (issue: foundation); admins may add more."""

from __future__ import annotations

DEFAULT_CATEGORIES: list[tuple[str, str, str]] = [
    ("KEAGAMAAN", "Pekerja keagamaan", "Marbot, pengurus rumah ibadah, pekerja gereja"),
    ("RT_RW", "Ketua RT/RW", ""),
    ("TOKOH_MASYARAKAT", "Tokoh masyarakat/adat", ""),
    ("BPD", "Anggota Badan Permusyawaratan Desa", ""),
    ("PETANI", "Petani", ""),
    ("NELAYAN", "Nelayan", ""),
    ("DAMKAR", "Relawan pemadam kebakaran", ""),
    ("RELAWAN", "Relawan PMI/bencana", ""),
    ("UMKM", "Pekerja usaha mikro dan kecil", ""),
    ("LAINNYA", "Pekerja rentan lainnya", ""),
]


def seed_categories(category_model: type) -> None:
    """Create the default categories that are missing; never overwrite an admin's edits."""
    for order, (code, name, description) in enumerate(DEFAULT_CATEGORIES, start=1):
        category_model.objects.get_or_create(  # type: ignore[attr-defined]
            code=code, defaults={"name": name, "description": description, "sort_order": order * 10}
        )
