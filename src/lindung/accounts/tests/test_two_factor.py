"""Two-factor login (issue 15, item 5): setting it up, the login's second step, recovery codes, turning it off, the
requirement for the roles that see a whole province (``LINDUNG_REQUIRE_2FA``), and the audit of every change.

Codes are computed here from the device's secret, as an authenticator app does (RFC 6238, django-otp's ``TOTP``).
"""

from __future__ import annotations

import base64
import logging
import re
import time
from html import unescape
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lindung.accounts.models import FailedLogin, Role, User
from lindung.accounts.two_factor import (
    PENDING_KEY,
    VERIFIED_KEY,
    format_recovery_code,
    sees_whole_province,
    setup_device,
    two_factor_setup_confirm,
)
from lindung.audit.models import AuditEntry
from lindung.testing import TEST_PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

CODE_PAGE = "/masuk/kode/"
SETUP_PAGE = "/akun/dua-langkah/pasang/"


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding ``device``'s secret shows now (or ``steps_ahead`` steps of 30 s on)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def turn_on(user: User) -> tuple[TOTPDevice, list[str]]:
    """Two-factor login set up for ``user`` through the service; returns the device and the recovery codes.

    The code that confirmed the device is spent (django-otp accepts a time step once), so the device is put back as
    if that were a minute ago: the tests log in with the code of now.
    """
    key = random_hex(20)
    codes = two_factor_setup_confirm(user=user, key=key, code=totp_code(setup_device(user, key)))
    assert codes is not None
    device = TOTPDevice.objects.get(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device, codes


def _password(client: Client, username: str, ip: str = "10.0.0.1", next_url: str = "") -> Any:
    data = {"username": username, "password": TEST_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data, REMOTE_ADDR=ip)


def _code(client: Client, code: str, ip: str = "10.0.0.1") -> Any:
    return client.post(CODE_PAGE, {"code": code}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _verified_client(user: User, device: TOTPDevice, language: str = "en") -> Client:
    """A client signed in as ``user`` whose session passed the second step (as ``login_code`` leaves it)."""
    client = client_for(user, language)
    session = client.session
    session[VERIFIED_KEY] = device.pk
    session.save()
    return client


@pytest.fixture
def client() -> Client:
    return client_for()


# ---------------------------------------------------------------- the login


def test_a_user_with_two_factor_is_asked_for_the_code_and_is_not_signed_in_before_it(client, cast):
    device, _codes = turn_on(cast["verifikator"])

    response = _password(client, "verifikator", next_url="/pekerja/")
    assert response.status_code == 302 and response["Location"] == CODE_PAGE
    assert not _signed_in(client)
    assert client.get("/akun/")["Location"].startswith("/masuk/")  # the password alone opens no page

    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    assert b'autocomplete="one-time-code"' in page.content
    assert page["Cache-Control"].startswith("max-age=0")

    response = _code(client, totp_code(device))
    assert response.status_code == 302 and response["Location"] == "/pekerja/"
    assert _signed_in(client)
    assert client.session[VERIFIED_KEY] == device.pk
    assert PENDING_KEY not in client.session
    assert client.get("/pekerja/").status_code == 200
    entry = AuditEntry.objects.get(action="account.logged_in")
    assert entry.actor == cast["verifikator"] and "second_factor=totp" in entry.note


def test_a_user_without_two_factor_logs_in_with_the_password_alone(client, cast):
    response = _password(client, "operator_desa")
    assert response.status_code == 302 and response["Location"] == "/"
    assert _signed_in(client)


def test_a_wrong_code_is_a_failed_login_and_the_throttle_bounds_code_guessing(client, cast):
    device, _codes = turn_on(cast["keuangan"])
    _password(client, "keuangan", ip="10.5.5.5")
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for _ in range(5):  # LINDUNG_LOGIN_ATTEMPTS
        response = _code(client, wrong, ip="10.5.5.5")
        assert response.status_code == 200
        assert b"That code is not right" in response.content
        assert not _signed_in(client)
    assert FailedLogin.objects.filter(username="keuangan", ip="10.5.5.5").count() == 5
    entries = AuditEntry.objects.filter(action="account.login_code_failed")
    assert entries.count() == 5
    assert all(wrong not in e.note and right not in e.note for e in entries)

    response = _code(client, right, ip="10.5.5.5")  # even the right code waits now
    assert not _signed_in(client)
    assert b"Too many failed logins. Please wait 1 minute" in response.content

    # From the user's own desk (another address, another browser) the right password and code still work.
    elsewhere = client_for()
    _password(elsewhere, "keuangan", ip="10.6.6.6")
    _code(elsewhere, right, ip="10.6.6.6")
    assert _signed_in(elsewhere)


def test_the_code_page_without_a_password_first_sends_to_the_login(client, cast):
    response = client.get(CODE_PAGE, follow=True)
    assert response.redirect_chain[-1][0] == "/masuk/"
    assert b"Please log in with your username and password first." in response.content
    assert _code(client, "123456")["Location"] == "/masuk/"


def test_the_second_step_must_follow_the_password_within_five_minutes(client, cast):
    device, _codes = turn_on(cast["pimpinan"])
    _password(client, "pimpinan")
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "since": int(time.time()) - 5 * 60 - 1}
    session.save()

    response = _code(client, totp_code(device))
    assert response["Location"] == "/masuk/"
    assert not _signed_in(client)
    assert PENDING_KEY not in client.session


def test_a_code_is_accepted_once(client, cast):
    device, _codes = turn_on(cast["verifikator"])
    code = totp_code(device)
    _password(client, "verifikator")
    _code(client, code)
    assert _signed_in(client)

    again = client_for()
    _password(again, "verifikator", ip="10.0.0.2")
    response = _code(again, code, ip="10.0.0.2")  # seen over a shoulder: spent
    assert not _signed_in(again)
    assert b"That code is not right" in response.content


def test_a_recovery_code_logs_in_once(client, cast):
    user = cast["admin_provinsi"]
    _device, codes = turn_on(user)
    typed = format_recovery_code(codes[3]).upper().replace("-", " - ")  # as someone copies it from paper

    _password(client, "admin_provinsi")
    response = _code(client, typed)
    assert response.status_code == 302
    assert _signed_in(client)
    page = client.get("/", follow=True)
    assert b"You logged in with a recovery code; 9 are left." in page.content
    used = AuditEntry.objects.get(action="account.2fa_recovery_code_used")
    assert used.note == "left=9" and used.actor == user
    assert "second_factor=recovery" in AuditEntry.objects.get(action="account.logged_in").note

    again = client_for()
    _password(again, "admin_provinsi", ip="10.0.0.2")
    response = _code(again, typed, ip="10.0.0.2")
    assert not _signed_in(again)
    assert b"That code is not right, or was used already." in response.content
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_recovery_codes_are_stored_as_keyed_hashes_not_as_they_are(cast):
    user = cast["verifikator"]
    _device, codes = turn_on(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert not stored & {format_recovery_code(code) for code in codes}


def test_a_session_signed_in_before_two_factor_was_set_up_elsewhere_ends(cast):
    user = cast["verifikator"]
    old_session = client_for(user)
    assert old_session.get("/pekerja/").status_code == 200

    turn_on(user)  # set up in another browser

    response = old_session.get("/pekerja/", follow=True)
    assert response.redirect_chain[0][0] == "/masuk/?next=/pekerja/"
    assert not _signed_in(old_session)
    assert b"Your account now uses two-factor login." in response.content
    entry = AuditEntry.objects.filter(action="account.logged_out").latest("pk")
    assert "reason=two_factor_missing" in entry.note


def test_the_admin_login_page_goes_through_the_second_step(client, cast):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    device, _codes = turn_on(root)
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": TEST_PASSWORD})
    assert response["Location"] == "/masuk/?next=/admin/"
    assert not _signed_in(client)
    _password(client, "root", next_url="/admin/")
    assert not _signed_in(client)
    response = _code(client, totp_code(device))
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# ---------------------------------------------------------------- setting up, renewing, turning off


def _app_code(secret: str) -> str:
    """What the phone computes from the key typed into it."""
    app = TOTP(base64.b32decode(secret), 30, 0, 6)
    app.time = time.time()
    return f"{app.token():06d}"


def _secret_on(page: Any) -> str:
    match = re.search(rb'data-testid="totp-secret">([^<]+)<', page.content)
    assert match is not None
    return unescape(match.group(1).decode()).replace(" ", "")


def test_setting_up_shows_the_qr_code_and_the_key_and_a_code_confirms_it(cast):
    user = cast["operator_desa"]  # every user may, not only those who must
    client = client_for(user)

    account = client.get("/akun/")
    assert b'data-testid="two-factor-status">Off' in account.content
    assert b'href="/akun/dua-langkah/pasang/"' in account.content

    page = client.get(SETUP_PAGE)
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    assert re.search(rb'<figure class="qr"[^>]*><svg viewBox="[0-9 ]+" class="qr-code">', page.content)
    assert b"<script" not in page.content.split(b"<main ")[1]
    secret = _secret_on(page)
    assert len(secret) == 32
    assert _secret_on(client.get(SETUP_PAGE)) == secret  # a reload keeps the key already scanned
    assert not TOTPDevice.objects.exists()  # showing the page writes nothing

    wrong = client.post(SETUP_PAGE, {"code": "000000" if _app_code(secret) != "000000" else "111111"})
    assert b"That code is not right." in wrong.content
    assert not TOTPDevice.objects.exists()

    done = client.post(SETUP_PAGE, {"code": _app_code(secret)})
    assert done.status_code == 200
    codes = re.findall(rb"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", done.content)
    assert len(codes) == 10
    assert b"Two-factor login is on." in done.content
    assert b"data-print" in done.content and b"data-download=" in done.content
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1

    # This session stays signed in (it passed the step), and the account page says so.
    account = client.get("/akun/")
    assert account.status_code == 200
    assert b'data-testid="two-factor-status">On' in account.content
    assert b"Recovery codes: 10 of 10 left." in account.content
    assert client.get(SETUP_PAGE)["Location"] == "/akun/"

    entry = AuditEntry.objects.get(action="account.2fa_enabled")
    assert (entry.actor, entry.object_id) == (user, str(user.pk))
    assert entry.changes == {"two_factor": [False, True]}
    _assert_no_secret_in_audit(secret, [c.decode() for c in codes])


def _assert_no_secret_in_audit(secret: str, codes: list[str]) -> None:
    text = " ".join(f"{e.note} {e.changes}" for e in AuditEntry.objects.all()).lower()
    assert not secret or secret.lower() not in text
    for code in codes:
        assert code.lower() not in text and code.replace("-", "").lower() not in text


def test_new_recovery_codes_take_the_password_and_replace_the_old_ones(cast):
    user = cast["verifikator"]
    device, old_codes = turn_on(user)
    client = _verified_client(user, device)

    wrong = client.post("/akun/dua-langkah/kode-pemulihan/", {"password": "bukan-sandinya-1"}, REMOTE_ADDR="10.7.7.7")
    assert b"That is not your password." in wrong.content
    assert FailedLogin.objects.filter(username="verifikator", ip="10.7.7.7").count() == 1

    page = client.post("/akun/dua-langkah/kode-pemulihan/", {"password": TEST_PASSWORD})
    new_codes = [c.decode() for c in re.findall(rb"<li><code>([a-z2-7-]{9})</code></li>", page.content)]
    assert len(new_codes) == 10
    assert b"These new codes replace your old ones" in page.content
    entry = AuditEntry.objects.get(action="account.2fa_recovery_codes_renewed")
    assert entry.actor == user
    _assert_no_secret_in_audit("", [*old_codes, *new_codes])

    elsewhere = client_for()
    _password(elsewhere, "verifikator", ip="10.0.0.3")
    _code(elsewhere, old_codes[0], ip="10.0.0.3")
    assert not _signed_in(elsewhere)
    _code(elsewhere, new_codes[0], ip="10.0.0.3")
    assert _signed_in(elsewhere)


def test_turning_off_takes_the_password_and_a_code(cast):
    user = cast["pimpinan"]
    device, _codes = turn_on(user)
    client = _verified_client(user, device)
    url = "/akun/dua-langkah/matikan/"

    wrong = client.post(url, {"password": TEST_PASSWORD, "code": "12345"}, REMOTE_ADDR="10.8.8.8")
    assert b"That code is not right" in wrong.content
    assert AuditEntry.objects.filter(action="account.login_code_failed").count() == 1
    assert TOTPDevice.objects.filter(user=user).exists()
    no_password = client.post(url, {"password": "bukan-sandinya-1", "code": totp_code(device)})
    assert b"That is not your password." in no_password.content
    assert TOTPDevice.objects.filter(user=user).exists()

    response = client.post(url, {"password": TEST_PASSWORD, "code": totp_code(device)}, follow=True)
    assert response.redirect_chain == [("/akun/", 302)]
    assert b"Two-factor login is off." in response.content
    assert b'data-testid="two-factor-status">Off' in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    entry = AuditEntry.objects.get(action="account.2fa_disabled")
    assert entry.actor == user and entry.changes == {"two_factor": [True, False]}
    assert _signed_in(client)

    fresh = client_for()
    _password(fresh, "pimpinan")
    assert _signed_in(fresh)  # the password alone again


def test_an_administrator_turns_off_the_two_factor_login_of_someone_in_their_region(cast):
    user = cast["keuangan"]
    turn_on(user)
    out = StringIO()
    call_command("account", "reset-2fa", "keuangan", "--as", "admin_provinsi", "--lang", "en", stdout=out)
    assert "Two-factor login of keuangan is off" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="account.2fa_reset")
    assert (entry.actor, entry.object_id) == (cast["admin_provinsi"], str(user.pk))

    turn_on(user)
    with pytest.raises(CommandError, match="may not turn off"):
        call_command("account", "reset-2fa", "keuangan", "--as", "operator_sambas", "--lang", "en")
    assert TOTPDevice.objects.filter(user=user).exists()


# ---------------------------------------------------------------- LINDUNG_REQUIRE_2FA

PROVINCE_WIDE = ["admin_provinsi", "verifikator", "keuangan", "pimpinan", "petugas_bpjs", "pejabat_pdp"]


@pytest.mark.parametrize("username", PROVINCE_WIDE)
def test_with_the_requirement_a_province_wide_role_must_set_up_two_factor_first(username, cast, settings):
    settings.LINDUNG_REQUIRE_2FA = True
    user = cast[username]
    client = client_for(user)

    for url in ("/", "/pekerja/", "/akun/", "/akun/sandi/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == SETUP_PAGE, url
    assert client.post("/akun/sandi/", {})["Location"] == SETUP_PAGE
    page = client.get(SETUP_PAGE)
    assert page.status_code == 200
    assert b"Your role sees the data of a whole province" in page.content
    assert client.post(reverse("set_language"), {"language": "id", "next": SETUP_PAGE}).status_code == 302

    client.post(SETUP_PAGE, {"code": _app_code(_secret_on(page))})
    assert client.get("/").status_code == 200
    assert client.get("/akun/").status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302 and not _signed_in(client)


@pytest.mark.parametrize("username", ["operator_desa", "operator_sambas"])
def test_with_the_requirement_a_village_or_regency_operator_is_not_held(username, cast, settings):
    settings.LINDUNG_REQUIRE_2FA = True
    client = client_for(cast[username])
    assert client.get("/").status_code == 200
    assert client.get("/akun/").status_code == 200
    assert b"two-factor login is required" not in client.get("/akun/").content


def test_without_the_requirement_nobody_is_held(cast, settings):
    settings.LINDUNG_REQUIRE_2FA = False
    assert client_for(cast["admin_provinsi"]).get("/").status_code == 200


def test_who_sees_a_whole_province(cast):
    assert {name for name, user in cast.items() if sees_whole_province(user)} == set(PROVINCE_WIDE)
    assert sees_whole_province(User.objects.create_superuser("root", password=TEST_PASSWORD))
    assert sees_whole_province(make_user("staf", is_staff=True))
    assert sees_whole_province(make_user("kabupaten_salah", Role.OPERATOR_KABUPATEN, "61"))  # a province's region
    assert not sees_whole_province(make_user("tanpa_peran"))


# ---------------------------------------------------------------- nothing secret in the logs


def test_the_flow_logs_no_secret_and_no_code(cast, caplog):
    caplog.set_level(logging.DEBUG)
    user = cast["verifikator"]
    client = client_for(user)
    page = client.get(SETUP_PAGE)
    secret = _secret_on(page)
    code = _app_code(secret)
    done = client.post(SETUP_PAGE, {"code": code})
    codes = [c.decode() for c in re.findall(rb"<li><code>([a-z2-7-]{9})</code></li>", done.content)]
    login = client_for()
    _password(login, "verifikator")
    _code(login, "999999")
    _code(login, codes[0])
    assert _signed_in(login)

    logged = caplog.text.lower()
    key = TOTPDevice.objects.get(user=user).key
    for value in (secret, code, *codes, *(c.replace("-", "") for c in codes), key):
        assert value.lower() not in logged
