"""Login at /masuk/: throttled failures that cannot lock a user out, audited logins and logouts.

The limits are the defaults (``LINDUNG_LOGIN_ATTEMPTS`` 5, ``LINDUNG_LOGIN_ADDRESS_LIMIT`` 20); tests
of the account lock lower ``LINDUNG_LOGIN_LOCK_AFTER`` so that a handful of addresses reach it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lindung.accounts.models import FailedLogin, User
from lindung.accounts.services import (
    account_login_block,
    account_login_failure_record,
)
from lindung.audit.models import AuditEntry
from lindung.testing import TEST_PASSWORD, client_for

pytestmark = pytest.mark.django_db


WRONG = "bukan-sandinya-1"
USERNAME_LIMIT = 5  # failures of one username from one address before it waits (LINDUNG_LOGIN_ATTEMPTS)
ADDRESS_LIMIT = 20  # failures from one address, whatever the usernames, within 15 minutes
LOCK_AFTER = 12  # lowered from 100 for these tests: failures of one username from any address within a day
LOCKED = "locked after too many failed logins"


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


def test_sixth_attempt_from_the_same_address_after_five_wrong_passwords_waits_a_minute_even_with_the_right_password(
    client, cast
):
    for _ in range(USERNAME_LIMIT):
        response = _login(client, "operator_sambas", WRONG)
        assert response.status_code == 200
        assert b"correct user name and password" in response.content

    response = _login(client, "operator_sambas", TEST_PASSWORD)

    assert response.status_code == 200
    assert not _signed_in(client)
    assert b"Too many failed logins. Please wait 1 minute before trying again." in response.content


def test_the_wait_holds_in_other_letter_case_but_the_right_password_logs_in_from_another_address(client, cast):
    for _ in range(USERNAME_LIMIT):
        _login(client, "operator_sambas", WRONG, ip="10.0.0.1")
    _login(client, "OPERATOR_Sambas", TEST_PASSWORD, ip="10.0.0.1")
    assert not _signed_in(client)

    # Someone else's wrong guesses elsewhere do not keep the user out: this was the lock-out finding.
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.9.9.9")
    assert _signed_in(client)


def test_the_wait_doubles_with_each_further_failure_up_to_an_hour():
    start = timezone.now()
    at = start
    for _ in range(USERNAME_LIMIT):
        account_login_failure_record(username="budi", ip="10.0.0.1", now=at)
        at += dt.timedelta(seconds=5)
    waits = []
    for _ in range(8):
        block = account_login_block(username="budi", ip="10.0.0.1", now=at)
        assert block is not None and not block.locked
        waits.append(block.minutes)
        at += dt.timedelta(minutes=block.minutes)  # the wait is over: one more wrong guess
        assert account_login_block(username="budi", ip="10.0.0.1", now=at) is None
        account_login_failure_record(username="budi", ip="10.0.0.1", now=at)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert account_login_block(username="budi", ip="10.0.0.2", now=at) is None  # another address is not held back


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


def test_addresses_of_one_ipv6_network_count_as_one_address(client, cast):
    # An IPv6 subscriber holds a whole /64: counting each address apart would let them guess without end.
    for n in range(USERNAME_LIMIT):
        _login(client, "operator_sambas", WRONG, ip=f"2001:db8:1:2::{n + 1:x}")
    _login(client, "operator_sambas", TEST_PASSWORD, ip="2001:db8:1:2:ffff::9")
    assert not _signed_in(client)
    _login(client, "operator_sambas", TEST_PASSWORD, ip="2001:db8:1:3::1")
    assert _signed_in(client)


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


def test_a_successful_login_clears_that_usernames_failures_from_that_address(client, cast):
    for _ in range(USERNAME_LIMIT - 1):
        _login(client, "operator_sambas", WRONG, ip="10.0.0.9")
    for _ in range(USERNAME_LIMIT - 1):
        _login(client, "operator_sambas", WRONG)
    _login(client, "operator_sambas", TEST_PASSWORD)
    assert _signed_in(client)
    assert not FailedLogin.objects.filter(username="operator_sambas", ip="10.0.0.1").exists()
    # Guesses from elsewhere still count towards the account lock.
    assert FailedLogin.objects.filter(username="operator_sambas", ip="10.0.0.9").count() == USERNAME_LIMIT - 1
    client.logout()

    for _ in range(USERNAME_LIMIT - 1):
        _login(client, "operator_sambas", WRONG)
    _login(client, "operator_sambas", TEST_PASSWORD)
    assert _signed_in(client)


def test_the_address_block_lifts_when_the_oldest_counted_failure_leaves_the_window():
    start = timezone.now()
    for n in range(ADDRESS_LIMIT):
        account_login_failure_record(username=f"budi{n}", ip="10.0.0.1", now=start + dt.timedelta(seconds=12 * n))
    last = start + dt.timedelta(seconds=12 * (ADDRESS_LIMIT - 1))

    block = account_login_block(username="siti", ip="10.0.0.1", now=last)
    assert block is not None and block.minutes == 12  # the first failure leaves the window at start + 15
    assert account_login_block(username="siti", ip="10.0.0.1", now=start + dt.timedelta(minutes=14, seconds=59))
    assert account_login_block(username="siti", ip="10.0.0.1", now=start + dt.timedelta(minutes=15, seconds=1)) is None
    assert account_login_block(username="siti", ip="10.0.0.2", now=last) is None


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


def test_the_admin_login_page_sends_to_lindungs_login_so_it_is_no_way_around_the_throttle(client):
    # One door: /admin/login/ logs nobody in; /masuk/ has the throttle and the second step of two-factor login.
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    response = client.post("/admin/login/", {"username": "root", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/masuk/?next=/admin/"
    assert not _signed_in(client)
    assert client.get("/admin/login/?next=/admin/accounts/user/")["Location"] == "/masuk/?next=/admin/accounts/user/"
    assert client.get("/admin/login/?next=https://elsewhere.example/")["Location"] == "/masuk/?next=/admin/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    response = client.post("/masuk/?next=/admin/", {"username": "root", "password": TEST_PASSWORD, "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert _signed_in(client)
    assert AuditEntry.objects.get(action="account.logged_in").actor == root
    assert client.get("/admin/login/")["Location"] == "/admin/"  # signed in already: on to the admin


def test_a_signed_in_user_who_is_not_staff_is_refused_at_the_admin_login(cast):
    client = client_for(cast["operator_sambas"])
    assert client.get("/admin/login/").status_code == 403


def test_a_missing_password_is_said_next_to_the_field(client, cast):
    response = _login(client, "operator_sambas", "")
    assert b'id="password-error"' in response.content
    assert b"This field is required." in response.content


def test_logging_out_when_not_signed_in_records_nothing(client, db):
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()


def test_the_start_of_a_wait_and_a_blocked_address_are_audited_once(client, cast):
    for _ in range(USERNAME_LIMIT + 1):
        _login(client, "operator_sambas", WRONG, ip="10.4.4.4")
    started = AuditEntry.objects.get(action="account.login_backoff_started")
    user = cast["operator_sambas"]
    assert (started.actor, started.object_id, started.region_code) == (None, str(user.pk), "61.01")
    assert "10.4.4.4" in started.note and "operator_sambas" in started.note

    for n in range(ADDRESS_LIMIT - USERNAME_LIMIT):
        _login(client, f"guess{n}", WRONG, ip="10.4.4.4")
    for _ in range(2):
        _login(client, "verifikator", TEST_PASSWORD, ip="10.4.4.4")  # refused: the address is blocked
    blocked = AuditEntry.objects.get(action="account.address_blocked")
    assert (blocked.actor, blocked.object_id) == (None, "")
    assert "10.4.4.4" in blocked.note
    assert AuditEntry.objects.filter(action="account.login_failed").count() == ADDRESS_LIMIT
