"""Two-factor login: an authenticator app's codes (TOTP, django-otp's ``TOTPDevice``) and ten one-time recovery
codes (django-otp's ``StaticDevice``), set up, used, renewed and turned off here; every change is audited.

- Setting up: ``setup_key`` draws a new secret, kept in the session until it is confirmed (so that showing the
  setup page writes nothing, and a reload shows the secret already scanned), shown as a QR code and as text;
  ``two_factor_setup_confirm`` stores it as the user's authenticator once a code from the app matches, and makes
  the recovery codes.
- Logging in (``lindung.accounts.views``): after the right password, a user with a confirmed device is not logged
  in but *pending* in the session (``login_pending_*``) until a code or a recovery code is accepted
  (``two_factor_code_check``). A wrong code counts as a failed login in the login throttle, so code guessing is
  bounded by the same counters as password guessing (docs/decisions/: the login throttle, two-factor login).
- A session that passed the second step keeps the device's id (``VERIFIED_KEY``); the middleware ends a session
  of a user with a device that lacks it (a session signed in before the device was set up elsewhere).
- ``LINDUNG_REQUIRE_2FA``: the users who see a whole province must set up a device first (``two_factor_required``).

Nothing secret is logged or audited: not the TOTP secret, not a code. Recovery codes are stored as keyed hashes
(HMAC with the secret key), so a copy of the database does not hold them; the TOTP secret has to be stored as it
is (the server computes the codes from it).
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from typing import Literal

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lindung.accounts.models import Role, User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.accounts.services import account_audit

# The session keys: the login waiting for its second step, and the device a signed-in session passed it with.
PENDING_KEY = "lindung_2fa_pending"
VERIFIED_KEY = "lindung_2fa_device"
SETUP_KEY = "lindung_2fa_setup"
# How long the second step may take after the password was accepted.
PENDING_SECONDS = 5 * 60
RECOVERY_CODES = 10
DEVICE_NAME = "Authenticator"
RECOVERY_DEVICE_NAME = "Recovery codes"

# The roles whose work spans the province: they see every regency's workers, money or figures.
PROVINCE_WIDE_ROLES = frozenset(
    {
        Role.ADMIN_PROVINSI,
        Role.VERIFIKATOR,
        Role.KEUANGAN,
        Role.PIMPINAN,
        Role.PETUGAS_BPJS,
        Role.PEJABAT_PELINDUNGAN_DATA,
    }
)

Factor = Literal["totp", "recovery"]


# ---------------------------------------------------------------- reads


def sees_whole_province(user: User) -> bool:
    """A province-wide role, a region that is a whole province, a superuser or a member of staff (the admin)."""
    if user.is_superuser or user.is_staff or user.role in PROVINCE_WIDE_ROLES:
        return True
    return bool(user.region_id) and "." not in str(user.region_id)  # a province's code has no dot: "61"


def two_factor_required(user: User) -> bool:
    """Whether ``user`` must have two-factor login before using Lindung (``LINDUNG_REQUIRE_2FA``)."""
    return bool(settings.LINDUNG_REQUIRE_2FA) and sees_whole_province(user)


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if two-factor login is on for them."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_id(user: User) -> int | None:
    """The id of ``totp_device``, in one query that loads nothing else (the middleware asks on every request)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").values_list("pk", flat=True).first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class SetupSecret:
    """What the setup page shows: the QR code (inline SVG, drawn here) and the secret as text for typing in."""

    qr_svg: SafeString
    secret: str  # base32, in groups of four

    @classmethod
    def of(cls, device: TOTPDevice) -> SetupSecret:
        text = base64.b32encode(device.bin_key).decode().rstrip("=")
        qr = segno.make(device.config_url, error="m")
        # segno writes the SVG from the QR code's modules only (no text of ours), so it is safe to embed as it is.
        svg = qr.svg_inline(scale=5, border=3, dark="#000", light="#fff", omitsize=True, svgclass="qr-code")
        return cls(qr_svg=mark_safe(svg), secret=" ".join(text[i : i + 4] for i in range(0, len(text), 4)))  # noqa: S308


def format_recovery_code(code: str) -> str:
    """``abcdefgh`` as ``abcd-efgh``, easier to copy by hand."""
    return f"{code[:4]}-{code[4:]}"


# ---------------------------------------------------------------- codes


def _normalised(code: str) -> str:
    """A code as typed, without spaces and dashes, in lower case; 0 and 1 read as o and l (base32 has neither)."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    return cleaned.replace("0", "o").replace("1", "l") if not cleaned.isdigit() else cleaned


def _is_totp(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def _recovery_hashes(code: str) -> list[str]:
    """The stored forms of a recovery code: a keyed hash with the secret key, and with each former key still
    accepted (``SECRET_KEY_FALLBACKS``), 16 hex characters (django-otp's token field)."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [
        salted_hmac("lindung.accounts.recovery-code", code, secret=key, algorithm="sha256").hexdigest()[:16]
        for key in keys
    ]


def _new_recovery_codes(device: StaticDevice) -> list[str]:
    """Replace ``device``'s codes with ten new ones; returns them (only their hashes are stored)."""
    device.token_set.all().delete()
    codes = [base64.b32encode(secrets.token_bytes(5)).decode().lower() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_recovery_hashes(code)[0]) for code in codes)
    return codes


def _verify_totp(device: TOTPDevice, code: str) -> bool:
    """django-otp's check: the code of this 30-second step or of one step either side, never one used before."""
    return bool(device.verify_token(code))


def two_factor_code_check(*, user: User, code: str) -> Factor | None:
    """Check a code typed at login (or to turn two-factor login off): six digits from the authenticator, or one
    of the recovery codes, which is then used up. Returns which was accepted, or None.

    The caller counts a wrong code as a failed login (``account_login_failure_record``) and checks the throttle
    before calling.
    """
    cleaned = _normalised(code)
    if not cleaned or len(cleaned) > 16:
        return None
    with transaction.atomic():
        if _is_totp(cleaned):
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
            return "totp" if device is not None and _verify_totp(device, cleaned) else None
        token = (
            StaticToken.objects.select_for_update()
            .filter(device__user=user, device__confirmed=True, token__in=_recovery_hashes(cleaned))
            .first()
        )
        if token is None:
            return None
        token.delete()
        left = recovery_codes_left(user)
        account_audit(user, "account.2fa_recovery_code_used", note=f"left={left}")
        return "recovery"


# ---------------------------------------------------------------- writes


def setup_key(request: HttpRequest) -> str:
    """The secret being set up in this session (hex, 20 random bytes as django-otp makes them), drawn once."""
    key = request.session.get(SETUP_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = random_hex(20)
        request.session[SETUP_KEY] = key
    return key


def setup_device(user: User, key: str) -> TOTPDevice:
    """The authenticator ``key`` would be, not saved: what the setup page draws its QR code from."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=True)


def two_factor_setup_confirm(*, user: User, key: str, code: str) -> list[str] | None:
    """Turn two-factor login on with the secret ``key`` shown to the user, if ``code`` is its code now (one step of
    30 seconds either side); returns the ten new recovery codes (to be shown once), or None for a wrong code.
    Audited, without the secret or codes."""
    cleaned = _normalised(code)
    if not _is_totp(cleaned):
        return None
    device = setup_device(user, key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(cleaned), device.tolerance):
        return None
    # As django-otp's own check leaves a device: this time step is spent, and the phone's drift remembered.
    device.last_t, device.drift = totp.t(), totp.drift
    with transaction.atomic():
        if TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            return None  # turned on meanwhile (another tab)
        TOTPDevice.objects.filter(user=user).delete()
        device.save()
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = _new_recovery_codes(recovery)
        account_audit(
            user, "account.2fa_enabled", changes={"two_factor": [False, True]}, note=f"recovery_codes={len(codes)}"
        )
    return codes


def two_factor_recovery_codes_renew(*, user: User) -> list[str]:
    """Ten new recovery codes in place of the old ones (used or not); audited, without the codes. The caller has
    checked the user's password."""
    with transaction.atomic():
        if totp_device(user) is None:
            raise PermissionDenied("two-factor login is off")
        recovery = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if recovery is None:
            recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = _new_recovery_codes(recovery)
        account_audit(user, "account.2fa_recovery_codes_renewed", note=f"recovery_codes={len(codes)}")
    return codes


def two_factor_disable(*, user: User) -> bool:
    """Turn the user's own two-factor login off (the caller has checked their password and a code): the
    authenticator and the recovery codes are deleted; audited. Returns whether it was on."""
    with transaction.atomic():
        return _disable(user, actor=user, action="account.2fa_disabled")


def two_factor_reset(*, actor: User, user: User) -> bool:
    """An administrator turns ``user``'s two-factor login off (a lost phone and lost recovery codes), so that
    they log in with their password and set it up again; audited. Needs the permission and the user's region in
    the actor's scope, as unlocking does. Returns whether it was on."""
    require(actor, Action.ACCOUNT_RESET_2FA)
    region_code = user.region_id or ""
    if not actor.is_superuser and not (region_code and scope_of(actor).covers(region_code)):
        raise PermissionDenied(Action.ACCOUNT_RESET_2FA.value)
    with transaction.atomic():
        return _disable(user, actor=actor, action="account.2fa_reset")


def _disable(user: User, *, actor: User, action: str) -> bool:
    was_on = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    if was_on:
        account_audit(user, action, actor=actor, changes={"two_factor": [True, False]})
    return was_on


# ---------------------------------------------------------------- the pending login in the session


def login_pending_start(request: HttpRequest, user: User, *, next_url: str) -> None:
    """The password was right; the login waits for its second step. The user is not logged in: no page sees them
    as signed in until ``login_pending_finish``."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "backend": getattr(user, "backend", "") or settings.AUTHENTICATION_BACKENDS[0],
        "since": int(time.time()),
        "next": next_url,
    }


def login_pending_user(request: HttpRequest) -> User | None:
    """The user whose login waits for its second step, while it may: within ``PENDING_SECONDS`` of the password,
    still active, with the same password and still a device. Otherwise the waiting login is forgotten."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    user_id = pending.get("user")
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    fresh = time.time() - float(pending.get("since") or 0) <= PENDING_SECONDS
    if (
        user is None
        or not fresh
        or not secrets.compare_digest(str(pending.get("hash", "")), user.get_session_auth_hash())
        or totp_device_id(user) is None
    ):
        request.session.pop(PENDING_KEY, None)
        return None
    user.backend = str(pending.get("backend") or settings.AUTHENTICATION_BACKENDS[0])
    return user


def login_pending_next(request: HttpRequest) -> str:
    pending = request.session.get(PENDING_KEY)
    return str(pending.get("next") or "") if isinstance(pending, dict) else ""


def login_pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def session_verified(request: HttpRequest, user: User) -> None:
    """Mark this session as having passed the second step with the user's current authenticator."""
    request.session[VERIFIED_KEY] = totp_device_id(user)
