from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.testing import TEST_PASSWORD, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Perahu-Biru-Senja-42"  # not built on a region name (see test_password_rules)


@pytest.fixture
def operator_client(cast) -> Client:
    return client_for(cast["operator_sambas"])


def _change(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2},
    )


def test_password_change_needs_a_login(db):
    response = Client().get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_is_shown_at_akun_sandi(operator_client):
    assert reverse("accounts:password_change") == "/akun/sandi/"
    response = operator_client.get("/akun/sandi/")
    assert response.status_code == 200
    assert b'data-testid="password-change"' in response.content


@pytest.mark.real_password_hashing
def test_a_password_change_stores_an_argon2_hash_keeps_the_session_and_is_audited(operator_client, cast):
    response = _change(operator_client, TEST_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    user = User.objects.get(username="operator_sambas")
    assert user.password.startswith("argon2$")
    assert user.check_password(NEW_PASSWORD)
    assert operator_client.get(reverse("accounts:password_change_done")).status_code == 200  # still signed in
    entry = AuditEntry.objects.get(action="account.password_changed")
    assert (entry.actor, entry.object_id, entry.region_code) == (user, str(user.pk), "61.01")
    assert NEW_PASSWORD not in str(entry.changes) and TEST_PASSWORD not in str(entry.changes)
    assert user.password not in str(entry.changes)


def test_the_new_password_logs_in_and_the_old_one_no_longer_does(operator_client, cast):
    _change(operator_client, TEST_PASSWORD, NEW_PASSWORD)
    browser = Client()
    assert not browser.login(username="operator_sambas", password=TEST_PASSWORD)
    assert browser.login(username="operator_sambas", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field", "message"),
    [
        ("salah-sandi-lama", NEW_PASSWORD, None, "old_password", "Your old password was entered incorrectly"),
        (TEST_PASSWORD, NEW_PASSWORD, "Perahu-Biru-Senja-43", "new_password2", "didn’t match"),
        (TEST_PASSWORD, "short1!", None, "new_password2", "too short"),
        (TEST_PASSWORD, "1234567890123", None, "new_password2", "entirely numeric"),
    ],
)
def test_a_refused_change_says_why_next_to_the_field_and_changes_nothing(
    operator_client, cast, old, new1, new2, field, message
):
    response = _change(operator_client, old, new1, new2)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert f'id="{field}-error"'.encode() in response.content
    assert User.objects.get(username="operator_sambas").check_password(TEST_PASSWORD)
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()
