"""The account lock: many failures for one username, from any addresses, lock it until an administrator unlocks it.

Every address keeps its own back-off, so the lock is what stops guessing spread over many addresses. It
needs ``LINDUNG_LOGIN_LOCK_AFTER`` failures within a day (100 by default, 12 here), and it says the same
thing whether or not the username exists.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from lindung.accounts.models import FailedLogin, LoginLock, User
from lindung.accounts.services import account_logins_unlock
from lindung.audit.models import AuditEntry
from lindung.testing import TEST_PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

WRONG = "bukan-sandinya-1"
LOCK_AFTER = 12
PER_ADDRESS = 4  # below the five failures after which one address waits
LOCKED = "locked after too many failed logins"


@pytest.fixture(autouse=True)
def _low_lock_threshold(settings: Any) -> None:
    settings.LINDUNG_LOGIN_LOCK_AFTER = LOCK_AFTER


@pytest.fixture
def client() -> Client:
    return client_for()


def _login(client: Client, username: str, password: str, ip: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _spread_failures(client: Client, username: str, count: int = LOCK_AFTER) -> None:
    """``count`` wrong passwords for ``username``, a few from each of many addresses, none of which waits."""
    for n in range(count):
        response = _login(client, username, WRONG, ip=f"10.20.{n // PER_ADDRESS}.1")
        assert b"correct user name and password" in response.content


def test_many_failures_from_many_addresses_lock_the_account_even_for_the_right_password(client, cast):
    _spread_failures(client, "operator_sambas")

    response = _login(client, "operator_sambas", TEST_PASSWORD, ip="10.99.0.1")

    assert not _signed_in(client)
    errors = response.context["form"].non_field_errors()
    assert LOCKED in errors[0] and "contact your administrator" in errors[0]
    assert LoginLock.objects.filter(username="operator_sambas").exists()


def test_one_failure_less_does_not_lock(client, cast):
    _spread_failures(client, "operator_sambas", LOCK_AFTER - 1)
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.99.0.1")
    assert _signed_in(client)


def test_the_lock_says_the_same_for_a_username_that_does_not_exist(client, cast):
    _spread_failures(client, "operator_sambas")
    _spread_failures(client, "nobody_here")
    known = _login(client, "operator_sambas", WRONG, ip="10.99.0.1")
    unknown = _login(client, "nobody_here", WRONG, ip="10.99.0.2")
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert LOCKED in known.context["form"].non_field_errors()[0]


def test_attempts_on_a_locked_account_are_not_recorded(client, cast):
    _spread_failures(client, "operator_sambas")
    for ip in ("10.99.0.1", "10.99.0.2"):
        _login(client, "operator_sambas", WRONG, ip=ip)
    assert FailedLogin.objects.filter(username="operator_sambas").count() == LOCK_AFTER
    assert AuditEntry.objects.filter(action="account.login_failed").count() == LOCK_AFTER


def test_the_lock_is_audited_once_against_the_account(client, cast):
    _spread_failures(client, "operator_sambas")
    _login(client, "operator_sambas", WRONG, ip="10.99.0.1")
    entry = AuditEntry.objects.get(action="account.locked")
    user = cast["operator_sambas"]
    assert (entry.actor, entry.object_id, entry.region_code) == (None, str(user.pk), "61.01")


def test_the_admin_login_page_is_locked_too(client):
    # The admin's login page is Lindung's: the lock holds there as well.
    User.objects.create_superuser("root", password=TEST_PASSWORD)
    _spread_failures(client, "root")
    response = client.post(
        "/admin/login/", {"username": "root", "password": TEST_PASSWORD}, REMOTE_ADDR="10.99.0.1", follow=True
    )
    assert response.redirect_chain[-1][0] == "/masuk/?next=/admin/"
    assert not _signed_in(client)
    response = client.post(
        "/masuk/", {"username": "root", "password": TEST_PASSWORD, "next": "/admin/"}, REMOTE_ADDR="10.99.0.1"
    )
    assert not _signed_in(client)
    assert LOCKED.encode() in response.content


def test_a_provincial_administrator_unlocks_the_account_and_it_is_audited(client, cast):
    _spread_failures(client, "operator_sambas")

    assert account_logins_unlock(actor=cast["admin_provinsi"], username="Operator_Sambas") is True

    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.99.0.1")
    assert _signed_in(client)
    entry = AuditEntry.objects.get(action="account.unlocked")
    user = cast["operator_sambas"]
    assert (entry.actor, entry.object_id, entry.region_code) == (cast["admin_provinsi"], str(user.pk), "61.01")


def test_after_an_unlock_the_count_starts_again(client, cast):
    _spread_failures(client, "operator_sambas")
    account_logins_unlock(actor=cast["admin_provinsi"], username="operator_sambas")
    _spread_failures(client, "operator_sambas", LOCK_AFTER - 1)
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.99.0.1")
    assert _signed_in(client)


def test_unlocking_needs_the_unlock_permission_and_the_accounts_region(client, cast):
    _spread_failures(client, "operator_sambas")
    with pytest.raises(PermissionDenied):
        account_logins_unlock(actor=cast["verifikator"], username="operator_sambas")
    other_province = make_user("admin_kalteng", "admin_provinsi", "62")
    with pytest.raises(PermissionDenied):
        account_logins_unlock(actor=other_province, username="operator_sambas")
    assert LoginLock.objects.filter(username="operator_sambas").exists()
    assert not AuditEntry.objects.filter(action="account.unlocked").exists()


def test_unlocking_an_account_that_is_not_locked_changes_nothing(cast):
    assert account_logins_unlock(actor=cast["admin_provinsi"], username="operator_sambas") is False
    assert not AuditEntry.objects.filter(action="account.unlocked").exists()


def test_the_admin_unlocks_selected_users_from_the_user_list(client, cast):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    _spread_failures(client, "operator_sambas")
    admin = client_for(root)

    changelist = admin.get(reverse("admin:accounts_user_changelist") + "?locked=yes")
    assert [u.username for u in changelist.context["cl"].result_list] == ["operator_sambas"]
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_logins", "_selected_action": [cast["operator_sambas"].pk, cast["keuangan"].pk]},
    )

    assert response.status_code == 302
    assert not LoginLock.objects.exists()
    entry = AuditEntry.objects.get(action="account.unlocked")
    assert (entry.actor, entry.object_id) == (root, str(cast["operator_sambas"].pk))


def test_the_unlock_command_unlocks_lists_and_is_audited(client, cast):
    _spread_failures(client, "operator_sambas")
    out = StringIO()

    call_command("account", "locked", "--lang", "en", stdout=out)
    assert "operator_sambas" in out.getvalue()
    call_command("account", "unlock", "operator_sambas", "--as", "admin_provinsi", "--lang", "en", stdout=out)

    assert "Logins for operator_sambas are unlocked." in out.getvalue()
    assert AuditEntry.objects.get(action="account.unlocked").actor == cast["admin_provinsi"]
    _login(client, "operator_sambas", TEST_PASSWORD, ip="10.99.0.1")
    assert _signed_in(client)


def test_the_unlock_command_says_when_there_is_nothing_to_unlock_or_the_actor_may_not(cast):
    out = StringIO()
    call_command("account", "unlock", "operator_sambas", "--as", "admin_provinsi", "--lang", "en", stdout=out)
    assert "Logins for operator_sambas are not locked." in out.getvalue()
    with pytest.raises(CommandError, match="may not unlock"):
        call_command("account", "unlock", "operator_sambas", "--as", "keuangan", "--lang", "en")
