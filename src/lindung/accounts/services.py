"""Writes about accounts: failed and successful logins, lock-outs, logouts and password changes, each audited.

Login throttling, built so that nobody can keep a user out by typing wrong passwords for their username:

1. A failed login is a row in ``FailedLogin`` (case-folded username, client address), kept for ``KEEP``.
2. One username from one address (the *pair*) has ``LINDUNG_LOGIN_ATTEMPTS`` tries; after that it waits
   1, 2, 4 ... minutes (at most ``BACKOFF_MAX``) after each further failure. Another address is not held
   back, so the right password still works from the user's own desk while someone guesses elsewhere.
3. One address, whatever the usernames, waits once it has ``LINDUNG_LOGIN_ADDRESS_LIMIT`` failures within
   ``ADDRESS_WINDOW``, until the oldest of them leaves the window: one address cannot spray many usernames.
4. Guessing spread over many addresses is stopped by the lock: ``LINDUNG_LOGIN_LOCK_AFTER`` failures of one
   username within ``KEEP``, from any addresses, lock it (``LoginLock``) until an administrator unlocks it.
   That is the one lock-out left, so it takes many more failures, it is audited, and the login page says to
   ask the administrator.
5. While a pair, an address or a username is held, attempts are refused before the password is checked,
   so even the right password does not get in. Refused attempts are not recorded: recording them would
   let an attacker keep a user held for ever, and would let anyone grow the table and the audit log
   without bound.

The refusals say the same thing whether or not the username exists. An IPv6 address counts as its /64
network, which one subscriber usually holds whole. Audited: every failure, the start of a pair's wait, an
address reaching its limit, a lock and an unlock.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.models import PERSON_ROLES, FailedLogin, LoginLock, PreviousPassword, Role, User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_changes, audit_record
from lindung.errors import RefusedStep
from lindung.regions.models import Region

ADDRESS_WINDOW = dt.timedelta(minutes=15)
BACKOFF_MAX = dt.timedelta(hours=1)
# Failures older than this are deleted whenever a failure is recorded, so the table stays small; it is
# also the window of a pair's count and of the lock's.
KEEP = dt.timedelta(days=1)


@dataclass(frozen=True)
class LoginBlock:
    """Logins are refused: for ``minutes`` more (rounded up), or until an administrator unlocks them."""

    minutes: int
    locked: bool = False


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy.

    X-Forwarded-For is set by the client unless a proxy overwrites it, so it is read only when the
    installation says (``LINDUNG_TRUST_X_FORWARDED_FOR``) that a proxy in front does so.
    """
    address = ""
    if settings.LINDUNG_TRUST_X_FORWARDED_FOR:
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


def _address_key(ip: str | None) -> str | None:
    """What the throttle counts an address by: an IPv4 address as it is, an IPv6 address as its /64 network."""
    if ip is None:
        return None
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def _backoff(failures: int) -> dt.timedelta:
    """How long a pair with ``failures`` waits after its last one: nothing, then 1, 2, 4 ... minutes, capped."""
    extra = failures - settings.LINDUNG_LOGIN_ATTEMPTS
    if extra < 0:
        return dt.timedelta(0)
    # Capped before the power is taken, so that a long run of failures cannot overflow the timedelta.
    return min(dt.timedelta(minutes=2 ** min(extra, 16)), BACKOFF_MAX)


def account_login_block(*, username: str, ip: str | None, now: dt.datetime | None = None) -> LoginBlock | None:
    """Whether a login attempt for ``username`` from ``ip`` must be refused now, and for how long."""
    now = now or timezone.now()
    key, address = _username_key(username), _address_key(ip)
    if LoginLock.objects.filter(username=key).exists():
        return LoginBlock(minutes=0, locked=True)
    until: list[dt.datetime] = []
    pair = FailedLogin.objects.filter(username=key, ip=address, at__gt=now - KEEP).aggregate(
        n=Count("id"), last=Max("at")
    )
    if pair["n"]:
        until.append(pair["last"] + _backoff(pair["n"]))
    if address is not None:
        limit = settings.LINDUNG_LOGIN_ADDRESS_LIMIT
        # The address is free again when the oldest failure that keeps its count at the limit leaves the window.
        times = list(
            FailedLogin.objects.filter(ip=address, at__gt=now - ADDRESS_WINDOW)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(times) >= limit:
            until.append(times[limit - 1] + ADDRESS_WINDOW)
    if not until or max(until) <= now:
        return None
    seconds = (max(until) - now).total_seconds()
    return LoginBlock(minutes=max(1, math.ceil(seconds / 60)))


def _account(username: str) -> User | None:
    return User.objects.filter(username=username.strip()[:150]).first()


def account_login_failure_record(
    *, username: str, ip: str | None, now: dt.datetime | None = None, code: bool = False
) -> None:
    """Count a wrong password (or an unknown username) and audit it, without the password. A wrong second-factor
    code (``code``: the password was right) counts the same and is audited as ``account.login_code_failed``,
    without the code.

    Also audits the start of the pair's wait, the address reaching its limit, and locks the username
    when it reaches ``LINDUNG_LOGIN_LOCK_AFTER`` failures. The actor is left empty (the person who typed
    is not known); the entries point at the account when it exists, so that the account's region can see
    them.
    """
    now = now or timezone.now()
    key, address = _username_key(username), _address_key(ip)
    since = now - KEEP
    with transaction.atomic():
        FailedLogin.objects.filter(at__lt=since).delete()
        FailedLogin.objects.create(username=key, ip=address, at=now)
        account = _account(username)
        region_code = (account.region_id or "") if account else ""
        note = f"username={key} ip={ip or '-'}"
        audit_record(
            actor=None,
            action="account.login_code_failed" if code else "account.login_failed",
            obj=account,
            region_code=region_code,
            note=note,
        )
        # Each of these is audited when its count reaches the limit: the attempts after it are refused and
        # not counted, so the count passes the limit only once it has dropped below it and climbed again.
        if (
            FailedLogin.objects.filter(username=key, ip=address, at__gt=since).count()
            == settings.LINDUNG_LOGIN_ATTEMPTS
        ):
            audit_record(
                actor=None,
                action="account.login_backoff_started",
                obj=account,
                region_code=region_code,
                note=note,
            )
        if (
            address is not None
            and FailedLogin.objects.filter(ip=address, at__gt=now - ADDRESS_WINDOW).count()
            == settings.LINDUNG_LOGIN_ADDRESS_LIMIT
        ):
            network = "" if address == ip else f" network={address}/64"
            audit_record(actor=None, action="account.address_blocked", note=f"ip={ip}{network}")
        lock_after = settings.LINDUNG_LOGIN_LOCK_AFTER
        if lock_after and FailedLogin.objects.filter(username=key, at__gt=since).count() >= lock_after:
            _lock, created = LoginLock.objects.get_or_create(username=key, defaults={"locked_at": now})
            if created:
                audit_record(actor=None, action="account.locked", obj=account, region_code=region_code, note=note)


def account_login_record(*, user: User, ip: str | None, second_factor: str = "") -> None:
    """A successful login clears the failures of that username from that address, and is audited (with the
    second factor it passed: ``totp`` or ``recovery``).

    The username's failures from other addresses stay: they are someone else's guesses, and count
    towards the lock.
    """
    with transaction.atomic():
        FailedLogin.objects.filter(username=_username_key(user.get_username()), ip=_address_key(ip)).delete()
        _audit_session(user, "account.logged_in", ip, f"second_factor={second_factor}" if second_factor else "")


def account_logins_unlock(*, actor: User, username: str) -> bool:
    """Lift the lock on ``username`` and forget its failures, so that its count starts again; audited.

    Needs the unlock permission and, for an existing account, the account's region in the actor's scope.
    Returns whether there was a lock to lift.
    """
    require(actor, Action.ACCOUNT_UNLOCK)
    key = _username_key(username)
    account = _account(username) or User.objects.filter(username__iexact=username.strip()).first()
    region_code = (account.region_id or "") if account else ""
    if account is not None and not actor.is_superuser and not (region_code and scope_of(actor).covers(region_code)):
        raise PermissionDenied(Action.ACCOUNT_UNLOCK.value)
    with transaction.atomic():
        unlocked, _ = LoginLock.objects.filter(username=key).delete()
        if not unlocked:
            return False
        FailedLogin.objects.filter(username=key).delete()
        audit_record(
            actor=actor, action="account.unlocked", obj=account, region_code=region_code, note=f"username={key}"
        )
    return True


def account_logout_record(*, user: User, ip: str | None, reason: str = "") -> None:
    """A logout, audited with its reason when the user did not ask for it (``idle``, ``session_age``, ...)."""
    with transaction.atomic():
        _audit_session(user, "account.logged_out", ip, f"reason={reason}" if reason else "")


def _audit_session(user: User, action: str, ip: str | None, extra: str = "") -> None:
    """The audit entry of ``user`` signing in or out from ``ip``."""
    note = f"ip={ip or '-'}" + (f" {extra}" if extra else "")
    account_audit(user, action, note=note)


def account_audit(
    user: User, action: str, *, actor: User | None = None, changes: dict[str, list[Any]] | None = None, note: str = ""
) -> None:
    """An entry about ``user``'s account, in the account's region; by ``user`` unless another ``actor`` acted."""
    audit_record(
        actor=actor or user, action=action, obj=user, region_code=user.region_id or "", changes=changes or {}, note=note
    )


def account_password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already validated by the form) and audit the change, never the password."""
    with transaction.atomic():
        user.set_password(new_password)
        user.password_temporary = False
        user.save(update_fields=["password", "password_temporary"])
        account_audit(user, "account.password_changed", changes={"password": ["***", "***"]})


def account_previous_password_record(*, user: User, password_hash: str, keep: int) -> None:
    """Keep the hash of a password ``user`` no longer has, and only the latest ``keep`` of them.

    Not audited apart: it is part of a password change, which the door that made it audits.
    """
    with transaction.atomic():
        PreviousPassword.objects.create(user=user, password=password_hash, replaced_at=timezone.now())
        kept = PreviousPassword.objects.filter(user=user).order_by("-replaced_at", "-id").values_list("id", flat=True)
        PreviousPassword.objects.filter(user=user).exclude(id__in=list(kept[:keep])).delete()


# ---------------------------------------------------------------- administering users
#
# An administrator (``Action.ACCOUNT_MANAGE``) manages the accounts whose region lies within their own, and gives
# only regions within it: a provincial administrator the province's, an administrator whose region is a regency
# (a regency running its own programme) that regency's. Superusers and staff (Django's admin) are managed by a
# superuser only, and nobody changes their own role, region or activity here (another administrator does), so
# that an administrator cannot lock themselves out or widen their own scope.

# The region a role works in: a village operator in one village, a regency operator in one regency/city, the
# others in a province or a regency/city.
ROLE_LEVELS: dict[str, frozenset[int]] = {
    Role.OPERATOR_DESA: frozenset({Region.Level.VILLAGE}),
    Role.OPERATOR_KABUPATEN: frozenset({Region.Level.REGENCY}),
    Role.PEJABAT_PELINDUNGAN_DATA: frozenset({Region.Level.PROVINCE}),
}
OTHER_LEVELS = frozenset({Region.Level.PROVINCE, Region.Level.REGENCY})
# A temporary password: four groups of four letters and digits that cannot be mistaken for one another (no 0/o,
# 1/l/i), about 78 bits, typed once and replaced at the first login.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(RefusedStep):
    """A refused change to an account, in one sentence; nothing was written."""


@dataclass(frozen=True)
class AccountFields:
    """What an administrator types about an account (the username apart: it is chosen once)."""

    first_name: str
    last_name: str
    email: str
    role: str
    region_code: str


def account_manageable(*, actor: User, user: User) -> bool:
    """Whether ``actor`` may administer ``user``: the permission, and ``user`` within the actor's region."""
    if not user_can(actor, Action.ACCOUNT_MANAGE):
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser or user.is_staff or not user.region_id:
        return False
    return scope_of(actor).covers(user.region_id)


def _require_manageable(actor: User, user: User) -> None:
    require(actor, Action.ACCOUNT_MANAGE)
    if not account_manageable(actor=actor, user=user):
        raise PermissionDenied(Action.ACCOUNT_MANAGE.value)


def _refuse_self(actor: User, user: User) -> None:
    if actor.pk == user.pk:
        raise AccountError(_("You cannot change your own role, region or access here: ask another administrator."))


def _region_for(actor: User, role: str, region_code: str) -> Region:
    """The region ``role`` is given: existing, within the actor's region, at the role's level."""
    if role not in dict(PERSON_ROLES):  # a connected system's account comes only with its API client
        raise AccountError(_("Choose a role."), field="role")
    region = Region.objects.filter(code=region_code.strip()).first()
    if region is None:
        raise AccountError(
            _("There is no region with the code %(code)s.") % {"code": region_code.strip()[:13]}, field="region"
        )
    if not actor.is_superuser and not scope_of(actor).covers(region.code):
        raise AccountError(
            _("%(region)s is outside your region: you can only give regions within yours.") % {"region": region.name},
            field="region",
        )
    if region.level not in ROLE_LEVELS.get(role, OTHER_LEVELS):
        if role == Role.OPERATOR_DESA:
            message = _("A village operator works in one village: give a village's code.")
        elif role == Role.OPERATOR_KABUPATEN:
            message = _("A regency/city operator works in one regency or city: give its code, such as 61.01.")
        elif role == Role.PEJABAT_PELINDUNGAN_DATA:
            message = _("A data protection officer works for the whole province: give its code, such as 61.")
        else:
            message = _("This role works in a province or a regency/city: give its code, such as 61 or 61.01.")
        raise AccountError(message, field="region")
    return region


def _temporary_password(user: User) -> str:
    """A random password that passes the installation's password rules for ``user``."""
    for _attempt in range(20):
        password = "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise RuntimeError("no temporary password passed the password rules in 20 attempts")


def _account_values(user: User) -> dict[str, object]:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "region": user.region_id,
        "is_active": user.is_active,
    }


def user_create(*, actor: User, username: str, fields: AccountFields) -> tuple[User, str]:
    """A new account with a role and a region within the actor's, and a temporary password, returned to be shown
    once (only its hash is kept) and replaced by the user at their first login. Audited, without the password."""
    require(actor, Action.ACCOUNT_MANAGE)
    username = username.strip()
    region = _region_for(actor, fields.role, fields.region_code)
    with transaction.atomic():
        # Logins are throttled and locked by the case-folded username: two accounts differing in case would share.
        if User.objects.filter(username__iexact=username).exists():
            raise AccountError(_("The username %(username)s is taken.") % {"username": username}, field="username")
        user = User(
            username=username,
            first_name=fields.first_name.strip(),
            last_name=fields.last_name.strip(),
            email=fields.email.strip(),
            role=fields.role,
            region=region,
            password_temporary=True,
        )
        password = _temporary_password(user)
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action="account.created",
            obj=user,
            region_code=region.code,
            changes={
                "username": [None, username],
                **audit_changes({}, _account_values(user)),
                "password": [None, "***"],
            },
        )
    return user, password


def user_update(*, actor: User, user: User, fields: AccountFields) -> User:
    """Change an account's names, e-mail, role and region (within the actor's); audited with what changed."""
    _require_manageable(actor, user)
    region = _region_for(actor, fields.role, fields.region_code)
    if (fields.role, region.code) != (user.role, user.region_id):
        _refuse_self(actor, user)
    with transaction.atomic():
        before = _account_values(user)
        user.first_name = fields.first_name.strip()
        user.last_name = fields.last_name.strip()
        user.email = fields.email.strip()
        user.role = fields.role
        user.region = region
        changes = audit_changes(before, _account_values(user))
        if changes:
            user.save(update_fields=["first_name", "last_name", "email", "role", "region"])
            audit_record(actor=actor, action="account.changed", obj=user, region_code=region.code, changes=changes)
    return user


def user_active_set(*, actor: User, user: User, active: bool) -> bool:
    """Deactivate an account (its sessions end at their next request, it cannot log in) or activate it again;
    audited. Returns whether anything changed."""
    _require_manageable(actor, user)
    _refuse_self(actor, user)
    with transaction.atomic():
        if user.is_active == active:
            return False
        user.is_active = active
        user.save(update_fields=["is_active"])
        action = "account.activated" if active else "account.deactivated"
        account_audit(user, action, actor=actor, changes={"is_active": [not active, active]})
    return True


def user_password_reset(*, actor: User, user: User) -> str:
    """A new temporary password for ``user`` (who forgot theirs), returned to be shown once; the user's sessions
    end (the password hash changed) and they choose their own password at their next login. Audited, without
    the password. An administrator changes their own password on their account page."""
    _require_manageable(actor, user)
    _refuse_self(actor, user)
    with transaction.atomic():
        password = _temporary_password(user)
        user.set_password(password)
        user.password_temporary = True
        user.save(update_fields=["password", "password_temporary"])
        account_audit(user, "account.password_reset", actor=actor, changes={"password": ["***", "***"]})
    return password
