"""Errors shared by the apps' services."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class RefusedStep(ValidationError):
    """A refused step, in one sentence; ``field`` names the form field it belongs next to, if any."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__({field: [message]} if field else message)
        self.text = message
        self.field = field

    def __str__(self) -> str:
        return self.text
