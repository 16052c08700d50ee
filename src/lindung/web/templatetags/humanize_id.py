"""Number and money formatting the Indonesian way (dots between thousands), whatever the UI language."""

from __future__ import annotations

from django import template

register = template.Library()


def _grouped(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@register.filter
def rupiah_number(value: int | None) -> str:
    """12345678 → ``12.345.678``."""
    return "" if value is None else _grouped(int(value))


@register.filter
def rupiah(value: int | None) -> str:
    """12345678 → ``Rp 12.345.678``."""
    return "" if value is None else f"Rp {_grouped(int(value))}"
