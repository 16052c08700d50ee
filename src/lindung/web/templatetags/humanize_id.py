"""Number and money filters for the templates, as ``lindung.numbers`` writes them (dots between thousands)."""

from __future__ import annotations

from django import template

from lindung import numbers

register = template.Library()


@register.filter
def rupiah_number(value: int | None) -> str:
    """12345678 → ``12.345.678``."""
    return numbers.rupiah_number(value)


@register.filter
def rupiah(value: int | None) -> str:
    """12345678 → ``Rp 12.345.678``."""
    return numbers.rupiah(value)
