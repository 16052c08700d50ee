"""Template helpers of the worker pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

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


def _action_labels() -> dict[str, str]:
    # Built per call, so that the language active when the page renders is the one used.
    return {
        "worker.registered": gettext("Registered"),
        "worker.changed": gettext("Changed"),
        "worker.nik_viewed": gettext("Whole NIK viewed"),
    }


@register.filter
def audit_label(action: str) -> str:
    """A worker's history entry in words; codes of other apps (``enrolment.verified``) stay as they are."""
    return _action_labels().get(action, action)
