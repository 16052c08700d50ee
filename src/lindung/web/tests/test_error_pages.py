"""The pages of a refusal or a failure: in the user's language, inside the site's frame, with a way back."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from lindung.testing import client_for, make_worker

pytestmark = pytest.mark.django_db


def test_a_worker_outside_the_region_is_a_not_found_page_in_indonesian_with_the_menu(cast):
    worker = make_worker(name="Rahmat Sambas")
    response = client_for(cast["operator_pontianak"], language="id").get(f"/pekerja/{worker.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Halaman tidak ditemukan" in page
    assert "di luar wilayah Anda" in page
    assert 'aria-label="Menu utama"' in page  # the site's frame, signed in
    assert "Rahmat Sambas" not in page


def test_a_step_the_role_may_not_take_is_a_not_allowed_page_in_english_when_chosen(cast):
    response = client_for(cast["operator_sambas"], language="en").get("/pengaturan/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "ask your administrator" in page
    assert 'href="/"' in page


def test_a_failure_is_a_page_of_its_own_that_needs_neither_request_nor_database():
    request = RequestFactory().get("/")
    with translation.override("id"), pytest.MonkeyPatch.context() as patch:
        # A failure may come from the database itself: rendering the page must not touch it.
        patch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", _no_database)
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Terjadi kesalahan" in page
    assert "Kembali ke halaman awal" in page


def _no_database(*args: object) -> None:
    raise AssertionError("the failure page touched the database")


def test_a_hidden_worker_and_a_missing_one_give_the_same_not_found_page(cast):
    hidden = make_worker(name="Rahmat Sambas")
    client = client_for(cast["operator_pontianak"], language="en")
    outside = client.get(f"/pekerja/{hidden.pk}/")
    missing = client.get(f"/pekerja/{hidden.pk + 1000}/")
    assert outside.status_code == missing.status_code == 404
    # The same bytes but the sign-out form's token, which Django masks afresh on every page.
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", outside.content) == token.sub(b"", missing.content)
    page = outside.content.decode()
    assert "Page not found" in page and "Back to the start page" in page


def test_a_not_allowed_page_in_indonesian_has_the_way_back(cast):
    response = client_for(cast["operator_sambas"], language="id").get("/pengaturan/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Tidak diizinkan" in page
    assert "Kembali ke halaman awal" in page and 'href="/"' in page
    assert "Not allowed" not in page


def test_a_failure_page_in_english():
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = server_error(request)
    page = response.content.decode()
    assert "Something went wrong" in page and "Back to the start page" in page
    assert "Terjadi kesalahan" not in page


@pytest.mark.parametrize(
    ("language", "title", "back"),
    [
        ("id", "Formulir sudah kedaluwarsa", "Kembali ke halaman awal"),
        ("en", "The form has expired", "Back to the start page"),
    ],
)
def test_a_form_refused_for_its_security_token_says_so_in_the_users_language(cast, language, title, back):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/masuk/", {"username": "operator_sambas", "password": "whatever"})
    assert response.status_code == 403
    page = response.content.decode()
    assert title in page and back in page
    assert 'href="/masuk/"' in page  # signed out: the way to sign in again
    assert "CSRF" not in page  # Django's page for developers, in English, is not shown
