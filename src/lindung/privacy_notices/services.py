"""Loading the versioned notice files (``data/v<N>.toml``) into the database."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.db import transaction

TEXT_FIELDS = ("title_id", "title_en", "text_id", "text_en", "source")


@dataclass(frozen=True)
class NoticesLoadResult:
    created: int
    unchanged: int


class NoticeChanged(ValueError):
    """A loaded version whose file now says something else: people were given the loaded text."""


def notice_files() -> list[dict[str, Any]]:
    """The packaged versions, each as the model's fields, by version."""
    notices = []
    for entry in resources.files("lindung.privacy_notices").joinpath("data").iterdir():
        if not (entry.name.startswith("v") and entry.name.endswith(".toml")):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        effective_from = data["effective_from"]
        if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
            raise ValueError(f"{entry.name}: effective_from must be a date")
        notice = {
            "version": int(data["version"]),
            "effective_from": effective_from,
            "source": data["source"].strip(),
            "title_id": data["id"]["title"].strip(),
            "title_en": data["en"]["title"].strip(),
            "text_id": data["id"]["text"].strip(),
            "text_en": data["en"]["text"].strip(),
        }
        if entry.name != f"v{notice['version']}.toml" or not all(notice[f] for f in TEXT_FIELDS):
            raise ValueError(f"{entry.name}: named after its version, with both languages and a source")
        notices.append(notice)
    return sorted(notices, key=lambda notice: notice["version"])


def notices_load(*, model: Any = None) -> NoticesLoadResult:
    """Create the versions the database lacks; idempotent. ``model``: the historical model in a migration.

    A version already loaded is never changed: if its file now differs, ``NoticeChanged`` (the people registered
    under it were given the loaded text; a corrected text is the next version, with its own date)."""
    if model is None:
        from lindung.privacy_notices.models import PrivacyNotice

        model = PrivacyNotice
    files = notice_files()
    existing = {notice.version: notice for notice in model.objects.all()}
    created = []
    for notice in files:
        loaded = existing.get(notice["version"])
        if loaded is None:
            created.append(model(**notice))
        elif any(getattr(loaded, f) != notice[f] for f in ("effective_from", *TEXT_FIELDS)):
            raise NoticeChanged(
                f"privacy notice v{notice['version']} differs from the loaded text: people were given the loaded "
                "one; write the new text as the next version"
            )
    with transaction.atomic():
        model.objects.bulk_create(created)
    return NoticesLoadResult(created=len(created), unchanged=len(files) - len(created))
