"""Region scope with the fixed cast: a worker outside a user's region does not exist for them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from lindung.audit.models import AuditEntry
from lindung.testing import PONTIANAK_VILLAGE, client_for, make_worker
from lindung.workers.tests.conftest import form_post, registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def sambas_worker():
    return make_worker(name="Rahmat Sambas")


@pytest.fixture
def pontianak_worker():
    return make_worker(village=PONTIANAK_VILLAGE, name="Yusuf Pontianak")


def _listed(client, **params) -> str:
    response = client.post("/pekerja/", params, follow=True)  # the filter form, as the page sends it
    assert response.status_code == 200
    return response.content.decode()


def test_the_pontianak_operator_does_not_see_a_sambas_worker_in_the_list_or_any_search(
    cast, sambas_worker, pontianak_worker
):
    client = client_for(cast["operator_pontianak"])
    assert "Yusuf Pontianak" in _listed(client)
    assert "Rahmat Sambas" not in _listed(client)
    assert "Rahmat Sambas" not in _listed(client, q=sambas_worker.nik)
    assert "Rahmat Sambas" not in _listed(client, q="Rahmat")
    assert "Rahmat Sambas" not in _listed(client, regency="61.01")
    assert 'data-testid="no-workers"' in _listed(client, q=sambas_worker.nik)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/pekerja/{pk}/"),
        ("get", "/pekerja/{pk}/ubah/"),
        ("post", "/pekerja/{pk}/ubah/"),
        ("post", "/pekerja/{pk}/nik/"),
    ],
)
def test_the_pontianak_operator_gets_404_not_403_on_a_sambas_worker_s_urls(cast, sambas_worker, method, url):
    client = client_for(cast["operator_pontianak"])
    response = getattr(client, method)(url.format(pk=sambas_worker.pk), {})
    assert response.status_code == 404
    # The same answer as for an id that does not exist at all.
    assert getattr(client, method)(url.format(pk=sambas_worker.pk + 1000), {}).status_code == 404
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_the_pontianak_operator_cannot_edit_a_sambas_worker_by_posting_the_form(cast, sambas_worker):
    post = form_post(registration(PONTIANAK_VILLAGE, name="Diubah"))
    response = client_for(cast["operator_pontianak"]).post(f"/pekerja/{sambas_worker.pk}/ubah/", post)
    assert response.status_code == 404
    sambas_worker.refresh_from_db()
    assert sambas_worker.name == "Rahmat Sambas"


def test_the_pontianak_operator_s_export_leaves_out_sambas_workers(cast, sambas_worker, pontianak_worker):
    client = client_for(cast["operator_pontianak"])
    assert "Rahmat Sambas" not in _downloaded(client, regency="61.01")
    unfiltered = _downloaded(client)
    assert "Yusuf Pontianak" in unfiltered
    assert "Rahmat Sambas" not in unfiltered


def _downloaded(client: Any, **params: str) -> str:
    return b"".join(client.post(f"/pekerja/ekspor.csv?{urlencode(params)}").streaming_content).decode()


@pytest.mark.parametrize("role", ["verifikator", "pimpinan"])
def test_province_roles_see_workers_of_both_regencies(cast, sambas_worker, pontianak_worker, role):
    client = client_for(cast[role])
    page = _listed(client)
    assert "Rahmat Sambas" in page and "Yusuf Pontianak" in page
    assert client.get(f"/pekerja/{sambas_worker.pk}/").status_code == 200
    assert client.get(f"/pekerja/{pontianak_worker.pk}/").status_code == 200


def test_pimpinan_cannot_see_a_whole_nik(cast, sambas_worker):
    client = client_for(cast["pimpinan"])
    page = client.get(f"/pekerja/{sambas_worker.pk}/").content.decode()
    assert 'data-testid="show-nik"' not in page
    assert sambas_worker.nik not in page
    assert client.post(f"/pekerja/{sambas_worker.pk}/nik/").status_code == 403
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_the_village_operator_sees_only_their_own_village(cast, sambas_worker, pontianak_worker):
    neighbour = make_worker(village="61.01.01.2002", name="Tetangga Desa")
    client = client_for(cast["operator_desa"])
    page = _listed(client)
    assert "Rahmat Sambas" in page
    assert "Tetangga Desa" not in page and "Yusuf Pontianak" not in page
    assert client.get(f"/pekerja/{neighbour.pk}/").status_code == 404
    assert "Tetangga Desa" not in _listed(client, q=neighbour.nik)


def test_the_verifier_sees_a_worker_but_cannot_edit_them(cast, sambas_worker):
    client = client_for(cast["verifikator"])
    assert 'data-testid="edit-link"' not in client.get(f"/pekerja/{sambas_worker.pk}/").content.decode()
    assert client.get(f"/pekerja/{sambas_worker.pk}/ubah/").status_code == 403
