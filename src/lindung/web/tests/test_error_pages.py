"""The pages of a refusal or a failure: in the user's language, inside the site's frame, with a way back."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
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
