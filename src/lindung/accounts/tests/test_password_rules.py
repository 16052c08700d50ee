"""Password rules beyond Django's: no password built on a region's name or a programme word, no reuse.

The history of previous passwords is written by ``PasswordReuseValidator.password_changed``, which Django
calls whenever a password set with ``set_password`` is saved, so every door (the change page, the admin,
``changepassword``, services) records it.
"""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lindung.accounts.models import PreviousPassword, User
from lindung.accounts.services import account_password_change
from lindung.testing import TEST_PASSWORD, client_for, make_user

pytestmark = pytest.mark.django_db

GOOD = "Perahu-Biru-Senja-42"
PASSWORDS = [
    "Perahu-Biru-Senja-1",
    "Kapal-Layar-Merah-2",
    "Jembatan-Kayu-Tua-3",
    "Bunga-Matahari-4",
    "Tiga-Kursi-Hijau-5",
]


def _messages(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


@pytest.mark.parametrize(
    "password",
    [
        "Pontianak2026",  # a city
        "Sambas123!",  # a regency, without "Kabupaten"
        "Kota Pontianak 2026",  # ... or with it
        "KapuasHulu#2026",  # a regency of two words
        "SungaiKakap2026",  # a district
        "Kalimantan-Barat-1",  # a province
        "Yogyakarta2026",  # a province without "Daerah Istimewa"
        "SambasJaya2026!",  # starts with a regency's name
        "P0nt14n4k2026",  # digits for letters
        "kalbar2026",  # programme words
        "lindung2026",
        "BPJS12345678",
        "Ketenagakerjaan1",
        "password2026!",
        "Admin#2026xyz",
    ],
)
def test_a_password_built_on_a_region_or_programme_word_is_refused(password):
    with translation.override("en"):
        assert any("name of a region" in m for m in _messages(password))


@pytest.mark.parametrize("password", [GOOD, *PASSWORDS, "Batu-Karang-Laut-9"])
def test_other_passwords_pass_every_validator(password):
    # "Batu" is a city (Kota Batu); a short name only counts when it is the whole password.
    assert _messages(password) == []


def test_the_refusal_is_said_in_indonesian_by_default():
    with translation.override("id"):
        assert any("nama daerah" in m for m in _messages("Pontianak2026"))


def test_the_change_page_refuses_a_region_password_next_to_the_field(cast):
    client = client_for(cast["operator_sambas"])
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "Pontianak2026", "new_password2": "Pontianak2026"},
    )
    assert response.status_code == 200
    assert "name of a region" in " ".join(response.context["form"].errors["new_password2"])
    assert User.objects.get(username="operator_sambas").check_password(TEST_PASSWORD)


def _change_through_the_page(client: Client, old: str, new: str):
    return client.post(
        reverse("accounts:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_the_current_password_and_the_last_five_cannot_be_reused(cast):
    user = cast["operator_sambas"]
    client = client_for(user)
    old = TEST_PASSWORD
    for new in PASSWORDS:
        assert _change_through_the_page(client, old, new).status_code == 302
        old = new
    user.refresh_from_db()

    with translation.override("en"):
        for reused in [PASSWORDS[-1], *PASSWORDS[:-1], TEST_PASSWORD]:
            assert any("last 5 passwords" in m for m in _messages(reused, user)), reused
    response = _change_through_the_page(client, old, PASSWORDS[0])
    assert "last 5 passwords" in " ".join(response.context["form"].errors["new_password2"])

    # A sixth change pushes the test password out of the last five.
    assert _change_through_the_page(client, old, GOOD).status_code == 302
    user.refresh_from_db()
    with translation.override("en"):
        assert not any("last 5 passwords" in m for m in _messages(TEST_PASSWORD, user))
        assert any("last 5 passwords" in m for m in _messages(PASSWORDS[1], user))
    assert PreviousPassword.objects.filter(user=user).count() == 5


def test_the_history_keeps_hashes_only(cast):
    user = cast["operator_sambas"]
    account_password_change(user=user, new_password=GOOD)
    stored = PreviousPassword.objects.get(user=user)
    assert stored.password.startswith("md5$")  # the test hasher; Argon2 in production
    assert TEST_PASSWORD not in stored.password and GOOD not in stored.password


def test_the_history_is_not_checked_for_a_user_not_yet_saved():
    assert _messages(GOOD, User(username="baru")) == []


def test_the_admins_password_page_records_the_history_and_refuses_reuse(cast):
    root = User.objects.create_superuser("root", password=TEST_PASSWORD)
    admin = client_for(root)
    user = cast["operator_sambas"]
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    response = admin.post(url, {"password1": GOOD, "password2": GOOD, "usable_password": "true"})
    assert response.status_code == 302
    assert PreviousPassword.objects.filter(user=user).count() == 1

    response = admin.post(url, {"password1": TEST_PASSWORD, "password2": TEST_PASSWORD, "usable_password": "true"})
    assert response.status_code == 200
    assert "last 5 passwords" in " ".join(response.context["form"].errors["password2"])


def test_changepassword_records_the_history(cast):
    user = cast["operator_sambas"]
    with mock.patch("getpass.getpass", return_value=GOOD):
        call_command("changepassword", "operator_sambas", stdout=StringIO())
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert PreviousPassword.objects.filter(user=user).count() == 1


def test_the_password_createsuperuser_set_cannot_come_back_after_a_change(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORDS[0])
    call_command(
        "createsuperuser", "--noinput", "--username", "kepala", "--email", "k@example.go.id", stdout=StringIO()
    )
    user = User.objects.get(username="kepala")
    account_password_change(user=user, new_password=GOOD)
    with translation.override("en"):
        assert any("last 5 passwords" in m for m in _messages(PASSWORDS[0], user))


def test_users_made_for_tests_and_the_demo_still_get_their_fixed_passwords(db):
    # Test users and demo users bypass the validators on purpose, as before: "sandi-uji-123" starts with "sandi".
    assert _messages(TEST_PASSWORD) != []
    assert make_user("penguji").check_password(TEST_PASSWORD)
