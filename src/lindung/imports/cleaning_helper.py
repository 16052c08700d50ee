"""The helper process of ``parallel``: what runs there, and nothing else.

A spawned process imports this module to find its functions before anything is set up, so it imports
nothing of Django or of Lindung at module level: ``start`` sets Django up first.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lindung.imports.rows import Cleaned, Row, RowCleaner

_cleaner: RowCleaner | None = None


def start(pickled: bytes, language: str | None) -> None:
    """The process's initialiser: Django without a database, the uploader's language, the upload's cleaner."""
    import django

    django.setup()
    from django.db import connections
    from django.utils import translation

    for connection in connections.all():
        connection.ensure_connection = _no_database  # type: ignore[method-assign]
    if language:
        translation.activate(language)
    global _cleaner
    _cleaner = pickle.loads(pickled)  # noqa: S301 - from the process that spawned this one


def _no_database(*args: Any, **kwargs: Any) -> None:
    from lindung.imports.regions import NeedsDatabase

    raise NeedsDatabase("the cleaning helper has no database")


def clean(block: tuple[Row, ...]) -> list[Cleaned | Row]:
    """The block's rows cleaned; a row that needs the database comes back as it came, to be cleaned there."""
    from lindung.imports.regions import NeedsDatabase

    assert _cleaner is not None
    results: list[Cleaned | Row] = []
    for number, cells in block:
        try:
            results.append(_cleaner.cleaned(number, cells))
        except NeedsDatabase:
            results.append((number, cells))
    return results
