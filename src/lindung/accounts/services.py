"""Writes about accounts: failed and successful logins, logouts and password changes, each audited.

Login throttling: a failed login is a row in ``FailedLogin``. While a username has
``USERNAME_LIMIT`` failures, or a client address ``ADDRESS_LIMIT``, within ``WINDOW``, every further
attempt is refused before the password is checked, so even the right password does not get in.
Refused attempts are not recorded: recording them would let an attacker keep a user locked out for
ever, and would let anyone grow the table and the audit log without bound.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lindung.accounts.models import FailedLogin, User
from lindung.audit.services import audit_record

USERNAME_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = dt.timedelta(minutes=15)
# Rows older than this are deleted whenever a failure is recorded, so the table stays small.
KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class LoginBlock:
    """Logins for this username or address are refused for ``minutes`` more (rounded up)."""

    minutes: int


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy.

    X-Forwarded-For is set by the client unless a proxy overwrites it, so it is read only when the
    installation says (``LINDUNG_TRUST_X_FORWARDED_FOR``) that a proxy in front does so.
    """
    address = ""
    if getattr(settings, "LINDUNG_TRUST_X_FORWARDED_FOR", False):
        address = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
    address = address or request.META.get("REMOTE_ADDR", "")
    return _valid_ip(address)


def _valid_ip(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _username_key(username: str) -> str:
    return username.strip().casefold()[:150]


def account_login_block(*, username: str, ip: str | None, now: dt.datetime | None = None) -> LoginBlock | None:
    """Whether a login attempt for ``username`` from ``ip`` must be refused now, and for how long."""
    now = now or timezone.now()
    since = now - WINDOW
    waits: list[dt.datetime] = []
    # The block lifts when the oldest failure that keeps the count at the limit leaves the window.
    for field, value, limit in (("username", _username_key(username), USERNAME_LIMIT), ("ip", ip, ADDRESS_LIMIT)):
        if not value:
            continue
        times = list(
            FailedLogin.objects.filter(**{field: value, "at__gt": since})
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(times) >= limit:
            waits.append(times[limit - 1] + WINDOW)
    if not waits:
        return None
    seconds = (max(waits) - now).total_seconds()
    return LoginBlock(minutes=max(1, math.ceil(seconds / 60)))


def account_login_failure_record(*, username: str, ip: str | None, now: dt.datetime | None = None) -> None:
    """Count a wrong password (or an unknown username) and audit it, without the password.

    The actor is left empty (the person who typed is not known); the entry points at the account
    when it exists, so that the account's region can see it.
    """
    now = now or timezone.now()
    key = _username_key(username)
    with transaction.atomic():
        FailedLogin.objects.filter(at__lt=now - KEEP).delete()
        FailedLogin.objects.create(username=key, ip=ip, at=now)
        account = User.objects.filter(username=username.strip()[:150]).first()
        audit_record(
            actor=None,
            action="account.login_failed",
            obj=account,
            region_code=(account.region_id or "") if account else "",
            note=f"username={key} ip={ip or '-'}",
        )


def account_login_record(*, user: User, ip: str | None) -> None:
    """A successful login clears that username's failures (not the address's) and is audited."""
    with transaction.atomic():
        FailedLogin.objects.filter(username=_username_key(user.get_username())).delete()
        _audit_session(user, "account.logged_in", ip)


def account_logout_record(*, user: User, ip: str | None) -> None:
    with transaction.atomic():
        _audit_session(user, "account.logged_out", ip)


def _audit_session(user: User, action: str, ip: str | None) -> None:
    """The audit entry of ``user`` signing in or out from ``ip``."""
    audit_record(actor=user, action=action, obj=user, region_code=user.region_id or "", note=f"ip={ip or '-'}")


def account_password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already validated by the form) and audit the change, never the password."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(
            actor=user,
            action="account.password_changed",
            obj=user,
            region_code=user.region_id or "",
            changes={"password": ["***", "***"]},
        )
