"""Template helpers of the worker pages."""

from __future__ import annotations

from django import template

from lindung.workers.nik import nik_mask

register = template.Library()


@register.filter(name="nik_mask")
def nik_mask_filter(value: str | None) -> str:
    """``{{ worker.nik|nik_mask }}`` → ``6101******800001``."""
    return nik_mask(value) if value else ""


@register.filter
def lookup(mapping: dict[str, str], key: str) -> str:
    """``{{ names|lookup:code }}``: a dictionary value by a variable key."""
    return mapping.get(key, "")
