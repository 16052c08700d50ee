"""Shapes more than one route answers with: one class each, so the document names each once."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ProgrammeRef(Schema):
    """A programme as a record names it."""

    id: int
    code: str
    name: str


def programme_ref(programme: Any) -> ProgrammeRef:
    return ProgrammeRef(id=programme.pk, code=programme.code, name=programme.name)
