"""Numbers as Lindung writes them: thousands grouped with dots, decimals after a comma (300.000; 1,5).

The Indonesian way, whatever the interface's language, as the rupiah filters (``web/templatetags/humanize_id``)
write money. At the bottom of the house: imports nothing of Lindung's.
"""

from __future__ import annotations

from decimal import Decimal

_TO_INDONESIAN = str.maketrans({",": ".", ".": ","})


def grouped(value: int) -> str:
    """A whole number with its thousands grouped: 300000 → ``300.000``."""
    return f"{value:,}".replace(",", ".")


def decimal(value: float | Decimal, places: int = 1) -> str:
    """A number with ``places`` decimals and its thousands grouped: 1234.5 → ``1.234,5``."""
    return f"{value:,.{places}f}".translate(_TO_INDONESIAN)


def rupiah(value: int | None) -> str:
    """Money: 12345678 → ``Rp 12.345.678`` (empty for None)."""
    return "" if value is None else f"Rp {grouped(int(value))}"


def rupiah_number(value: int | None) -> str:
    """A count or an amount without its currency: 12345678 → ``12.345.678`` (empty for None)."""
    return "" if value is None else grouped(int(value))
