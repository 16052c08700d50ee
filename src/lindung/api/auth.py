"""The API's door: a bearer token (a client's, from ``/api/v1/oauth/token``, or a person's own) becomes the
request's user, narrowed to the token's scopes, within its caller's rate limit.

From here on a request is the web's: ``request.user`` is a ``User`` that the same role rules
(``accounts.permissions``) and the same region scope (``accounts.scope``) hold, and every audit entry it
writes names the client or token (``audit.channel``).
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from lindung.accounts.api_access import api_token_authenticate, api_token_principal
from lindung.accounts.models import ApiToken
from lindung.api.models import RateWindow
from lindung.api.problems import ApiProblem
from lindung.audit.channel import audit_channel_set

# How many minutes of counts are kept: older windows are deleted as new ones open.
RATE_WINDOWS_KEPT = dt.timedelta(minutes=10)


def rate_limit_take(principal: str, limit: int, now: dt.datetime | None = None) -> int | None:
    """Count one request of ``principal`` in the current minute; the seconds to wait when over ``limit``."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    table = RateWindow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # One statement that both PostgreSQL and SQLite run atomically: no lost counts between two processes.
        cursor.execute(
            f"INSERT INTO {table} (principal, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - our table
            "ON CONFLICT (principal, minute) DO UPDATE SET count = " + table + ".count + 1 RETURNING count",
            [principal, minute],
        )
        count = cursor.fetchone()[0]
        if count == 1:
            RateWindow.objects.filter(principal=principal, minute__lt=minute - RATE_WINDOWS_KEPT).delete()
    if count <= limit:
        return None
    return max(1, math.ceil((minute + dt.timedelta(minutes=1) - now).total_seconds()))


def _limit_of(token: ApiToken) -> int:
    if token.client is not None:
        return token.client.rate_limit_per_minute
    return int(settings.LINDUNG_API_PERSONAL_RATE_LIMIT)


def request_token(request: HttpRequest, raw: str) -> ApiToken | None:
    """The living token ``raw`` names, looked up and counted against its caller's limit once per request,
    whichever asks first: the idempotency middleware (before its transaction, so that the count's row is not
    held locked until the request commits) or the door below. Over the limit: a 429 problem."""
    seen: tuple[str, ApiToken | None] | None = getattr(request, "_lindung_token", None)
    if seen is not None and seen[0] == raw:
        return seen[1]
    api_token = api_token_authenticate(raw)
    request._lindung_token = (raw, api_token)  # type: ignore[attr-defined]
    if api_token is None:
        return None
    wait = rate_limit_take(api_token_principal(api_token), _limit_of(api_token))
    if wait is not None:
        raise ApiProblem(
            429,
            "rate-limited",
            _("This client's limit of requests per minute is reached; try again in %(seconds)d seconds.")
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
    return api_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = request_token(request, token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        # Ends with the request (``lindung.api.middleware.audit_channel_per_request``).
        audit_channel_set(f"api {api_token_principal(api_token)}")
        return api_token
