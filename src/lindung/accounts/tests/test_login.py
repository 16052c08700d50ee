"""Login at /masuk/: throttled failures, audited logins and logouts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lindung.accounts.models import FailedLogin, User
from lindung.accounts.services import (
    ADDRESS_LIMIT,
    USERNAME_LIMIT,
    account_login_block,
    account_login_failure_record,
)
from lindung.audit.models import AuditEntry
from lindung.testing import TEST_PASSWORD, client_for

pytestmark = pytest.mark.django_db


WRONG = "bukan-sandinya-1"


@pytest.fixture
def client() -> Client:
    return client_for()


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1", forwarded_for: str | None = None):
    """The login form posted from ``ip``, through a proxy that forwarded for ``forwarded_for`` if given."""
    headers: dict[str, Any] = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_shows_the_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_right_password_logs_in_and_redirects(client, cast):
    response = _login(client, "operator_sambas", TEST_PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


def test_sixth_attempt_after_five_wrong_passwords_is_refused_even_with_the_right_password(client, cast):
    for _ in range(USERNAME_LIMIT):
        response = _login(client, "operator_sambas", WRONG)
        assert response.status_code == 200
        assert b"correct username and password" in response.content

    response = _login(client, "operator_sambas", TEST_PASSWORD)

    assert response.status_code == 200
    assert not _signed_in(client)
    assert b"Too many failed logins. Please wait 15 minutes before trying again." in response.content


def test_the_block_holds_from_another_address_and_in_other_letter_case(client, cast):
    for _ in range(USERNAME_LIMIT):
        _login(client, "operator_sambas", WRONG, ip="10.0.0.1")
    _login(client, "OPERATOR_Sambas", TEST_PASSWORD, ip="10.9.9.9")
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.9.9.9")
    assert not _signed_in(client)


def test_the_refusal_does_not_reveal_whether_the_user_exists(client, cast):
    for username in ("operator_sambas", "nobody_here"):
        for _ in range(USERNAME_LIMIT):
            _login(client, username, WRONG, ip="10.0.0.1" if username == "nobody_here" else "10.0.0.2")
    known = _login(client, "operator_sambas", WRONG, ip="10.0.0.2")
    unknown = _login(client, "nobody_here", WRONG, ip="10.0.0.1")
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "Too many failed logins" in known.context["form"].non_field_errors()[0]


def test_refused_attempts_do_not_extend_the_block(client, cast):
    for _ in range(USERNAME_LIMIT):
        _login(client, "operator_sambas", WRONG)
    for _ in range(3):
        _login(client, "operator_sambas", WRONG)
    assert FailedLogin.objects.filter(username="operator_sambas").count() == USERNAME_LIMIT


def test_another_username_from_the_same_address_logs_in_until_the_address_limit(client, cast):
    for _ in range(USERNAME_LIMIT):
        _login(client, "operator_sambas", WRONG, ip="10.0.0.7")

    _login(client, "operator_pontianak", TEST_PASSWORD, ip="10.0.0.7")
    assert _signed_in(client)
    client.logout()
    client.cookies["django_language"] = "en"  # logout() empties the test client's cookie jar

    # Spread over many usernames, so that only the address reaches its limit.
    for n in range(ADDRESS_LIMIT - USERNAME_LIMIT):
        _login(client, f"guess{n}", WRONG, ip="10.0.0.7")
    response = _login(client, "verifikator", TEST_PASSWORD, ip="10.0.0.7")
    assert not _signed_in(client)
    assert b"Too many failed logins" in response.content

    _login(client, "verifikator", TEST_PASSWORD, ip="10.0.0.8")
    assert _signed_in(client)


def test_a_successful_login_clears_that_usernames_failures(client, cast):
    for _ in range(USERNAME_LIMIT - 1):
        _login(client, "operator_sambas", WRONG)
    _login(client, "operator_sambas", TEST_PASSWORD)
    assert _signed_in(client)
    assert not FailedLogin.objects.filter(username="operator_sambas").exists()
    client.logout()

    for _ in range(USERNAME_LIMIT - 1):
        _login(client, "operator_sambas", WRONG)
    _login(client, "operator_sambas", TEST_PASSWORD)
    assert _signed_in(client)


def test_the_block_lifts_when_the_oldest_counted_failure_leaves_the_window():
    start = timezone.now()
    for minute in range(USERNAME_LIMIT):
        account_login_failure_record(username="budi", ip=None, now=start + dt.timedelta(minutes=minute))
    last = start + dt.timedelta(minutes=USERNAME_LIMIT - 1)

    block = account_login_block(username="budi", ip=None, now=last)
    assert block is not None and block.minutes == 11  # the first failure leaves the window at start + 15
    assert account_login_block(username="budi", ip=None, now=start + dt.timedelta(minutes=14, seconds=59))
    assert account_login_block(username="budi", ip=None, now=start + dt.timedelta(minutes=15, seconds=1)) is None


def test_failures_older_than_a_day_are_deleted_when_a_failure_is_recorded():
    now = timezone.now()
    account_login_failure_record(username="lama", ip="10.0.0.1", now=now - dt.timedelta(days=1, minutes=1))
    account_login_failure_record(username="kemarin", ip="10.0.0.1", now=now - dt.timedelta(hours=23))
    account_login_failure_record(username="baru", ip="10.0.0.1", now=now)
    assert sorted(FailedLogin.objects.values_list("username", flat=True)) == ["baru", "kemarin"]


def test_the_address_comes_from_remote_addr_not_from_a_forwarded_header(client, cast):
    _login(client, "operator_sambas", WRONG, ip="10.1.1.1", forwarded_for="203.0.113.9")
    assert list(FailedLogin.objects.values_list("ip", flat=True)) == ["10.1.1.1"]


def test_a_forwarded_header_is_used_when_the_installation_trusts_its_proxy(client, cast, settings):
    settings.LINDUNG_TRUST_X_FORWARDED_FOR = True
    _login(client, "operator_sambas", WRONG, ip="10.1.1.1", forwarded_for="203.0.113.9, 10.1.1.1")
    assert list(FailedLogin.objects.values_list("ip", flat=True)) == ["203.0.113.9"]


def test_login_failed_login_and_logout_are_audited_without_the_password(client, cast):
    _login(client, "operator_sambas", WRONG, ip="10.2.2.2")
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.2.2.2")
    client.post(reverse("logout"), REMOTE_ADDR="10.2.2.2")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.action for e in entries] == ["account.login_failed", "account.logged_in", "account.logged_out"]
    user = cast["operator_sambas"]
    assert all(e.object_type == "accounts.user" and e.object_id == str(user.pk) for e in entries)
    assert all(e.region_code == "61.01" for e in entries)
    assert entries[0].actor is None  # whoever typed the wrong password is not known
    assert entries[1].actor == user and entries[2].actor == user
    assert "10.2.2.2" in entries[0].note
    for entry in entries:
        assert WRONG not in str(entry.changes) + entry.note
        assert TEST_PASSWORD not in str(entry.changes) + entry.note


def test_a_failed_login_for_an_unknown_username_is_audited_without_an_object(client, db):
    _login(client, "tidak_ada", WRONG)
    entry = AuditEntry.objects.get(action="account.login_failed")
    assert (entry.object_id, entry.region_code) == ("", "")
    assert "tidak_ada" in entry.note


def test_an_inactive_user_cannot_log_in_and_the_attempt_counts(client, cast):
    User.objects.filter(username="keuangan").update(is_active=False)
    _login(client, "keuangan", TEST_PASSWORD)
    assert not _signed_in(client)
    assert FailedLogin.objects.filter(username="keuangan").count() == 1


def test_an_empty_password_is_not_counted(client, cast):
    response = _login(client, "operator_sambas", "")
    assert response.status_code == 200
    assert not FailedLogin.objects.exists()


def test_the_admin_login_page_is_no_way_around_the_throttle(client):
    User.objects.create_superuser("root", password=TEST_PASSWORD)
    for _ in range(USERNAME_LIMIT):
        client.post("/admin/login/", {"username": "root", "password": WRONG}, REMOTE_ADDR="10.3.3.3")

    response = client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD}, REMOTE_ADDR="10.3.3.3")
    assert not _signed_in(client)
    assert b"Too many failed logins" in response.content
    _login(client, "root", TEST_PASSWORD, ip="10.3.3.4")
    assert not _signed_in(client)
    assert AuditEntry.objects.filter(action="account.login_failed").count() == USERNAME_LIMIT


def test_an_admin_login_is_audited_and_clears_the_failures(client):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    client.post("/admin/login/", {"username": "root", "password": WRONG})
    response = client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)
    assert AuditEntry.objects.get(action="account.logged_in").actor == root
    assert not FailedLogin.objects.exists()


def test_a_missing_password_is_said_next_to_the_field(client, cast):
    response = _login(client, "operator_sambas", "")
    assert b'id="password-error"' in response.content
    assert b"This field is required." in response.content


def test_logging_out_when_not_signed_in_records_nothing(client, db):
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()
