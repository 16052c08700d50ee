"""Conventions every route keeps (issue 18): cursor pagination, ``ETag``/``If-Match``.

- A list answers ``{"items": [...], "next_cursor": "..." | null}``; the next page is asked for with
  ``?cursor=``. The cursor is the last row's key (keyset pagination: no ``OFFSET``, so page 10,000 costs what
  page 1 does); it is opaque to clients.
- A record's answer carries ``ETag``, a hash of what it shows. A change sent with ``If-Match`` is refused with
  412 when the record changed since (``if_match``), checked with the row locked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

from lindung.api.problems import ApiProblem

PAGE_DEFAULT = 50
PAGE_MAX = 500


class Page[T](Schema):
    items: list[T]
    next_cursor: str | None = None


def _cursor_decode(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            400,
            "cursor",
            _("The cursor is not one this API gave."),
            errors=[{"field": "cursor", "message": _("The cursor is not one this API gave.")}],
        ) from None
    return value


def _cursor_encode(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def keyset_page[M: Model](
    queryset: QuerySet[M], *, cursor: str | None, limit: int, key: str = "pk", newest_first: bool = True
) -> tuple[list[M], str | None]:
    """One page of ``queryset`` ordered by its integer ``key``, after ``cursor``; and the next page's cursor."""
    limit = max(1, min(limit, PAGE_MAX))
    if cursor:
        after = _cursor_decode(cursor)
        queryset = queryset.filter(**{f"{key}__lt" if newest_first else f"{key}__gt": after})
    rows = list(queryset.order_by(f"-{key}" if newest_first else key)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor_encode(int(getattr(rows[-1], key))) if more and rows else None
    return rows, next_cursor


def etag_of(data: Any) -> str:
    """A strong ETag of a record's representation (the JSON an answer shows)."""
    encoded = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder, default=str).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def with_etag(response: HttpResponse, data: Any) -> HttpResponse:
    response["ETag"] = etag_of(data)
    return response


def _listed(header: str) -> Sequence[str]:
    return [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]


def if_match(request: HttpRequest, current: Any) -> None:
    """Refuse (412) a change whose ``If-Match`` names another state than ``current`` (the record as shown now,
    read with its row locked). No ``If-Match``: the change goes ahead (the header is the client's choice)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = _listed(header)
    if "*" in tags or etag_of(current) in tags:
        return
    raise ApiProblem(
        412,
        "stale",
        _("The record changed since you read it: read it again, then send your change with its new ETag."),
    )
