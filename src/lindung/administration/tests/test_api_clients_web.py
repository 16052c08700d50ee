"""``/pengaturan/klien-api/``: the administrator registers, lists and revokes API clients of their region; the
secret is shown once and works at the token endpoint; every step is audited; other regions' clients are absent."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lindung.accounts.api_access import api_client_create
from lindung.accounts.models import ApiClient, Role, User
from lindung.audit.models import AuditEntry
from lindung.testing import Cast, client_for, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW_CLIENT = {"name": "Dukcapil Kalbar", "region": "61", "scopes": ["registry.read", "figures"], "rate_limit": "120"}


def _shown(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]+)<', html)
    assert found, testid
    return found.group(1)


def test_the_province_admin_registers_a_client_whose_secret_is_shown_once_and_works(cast: Cast) -> None:
    admin = client_for(cast["admin_provinsi"])
    form = admin.get("/pengaturan/klien-api/baru/")
    assert form.status_code == 200
    page = form.content.decode()
    assert "<code>registry.read</code>: Read workers (the whole NIK, audited) and their claims." in page
    created = admin.post("/pengaturan/klien-api/baru/", NEW_CLIENT)
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"] or "max-age=0" in created["Cache-Control"]
    html = created.content.decode()
    client_id, secret = _shown(html, "client-id"), _shown(html, "client-secret")
    client = ApiClient.objects.get(client_id=client_id)
    assert (client.name, client.user.region_id, client.scopes, client.rate_limit_per_minute) == (
        "Dukcapil Kalbar",
        "61",
        ["registry.read", "figures"],
        120,
    )
    entry = AuditEntry.objects.get(action="api_client.created")
    assert entry.actor_id == cast["admin_provinsi"].pk
    assert secret not in str(entry.changes)
    token = Client().post(
        "/api/v1/oauth/token", {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert token.status_code == 200
    assert token.json()["scope"] == "registry.read figures"
    # The list shows it without its secret; the start page counts it.
    listing = admin.get("/pengaturan/klien-api/").content.decode()
    assert client_id in listing and "Dukcapil Kalbar" in listing and secret not in listing
    assert 'data-testid="card-api-clients"' in admin.get("/pengaturan/").content.decode()


def test_a_refused_client_is_explained_next_to_its_field(cast: Cast) -> None:
    admin = client_for(cast["admin_provinsi"])
    answer = admin.post("/pengaturan/klien-api/baru/", {**NEW_CLIENT, "region": "61.01.01"})
    assert answer.status_code == 200
    assert "A client&#x27;s region is a province or a regency/city." in answer.content.decode()
    no_scope = admin.post("/pengaturan/klien-api/baru/", {**NEW_CLIENT, "scopes": []})
    assert 'data-testid="error-scopes"' in no_scope.content.decode()
    assert not ApiClient.objects.exists()


def test_revoking_a_client_stops_its_tokens(cast: Cast) -> None:
    client, secret = api_client_create(actor=None, name="OpenSID", region_code="61.01", scopes=["propose"])
    token = (
        Client()
        .post(
            "/api/v1/oauth/token",
            {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret},
        )
        .json()["access_token"]
    )
    admin = client_for(cast["admin_provinsi"])
    answer = admin.post(f"/pengaturan/klien-api/{client.pk}/cabut/", follow=True)
    assert answer.status_code == 200
    assert "The client OpenSID is revoked" in answer.content.decode()
    client.refresh_from_db()
    assert client.revoked_at is not None
    assert Client().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    entry = AuditEntry.objects.get(action="api_client.revoked")
    assert entry.actor_id == cast["admin_provinsi"].pk


def test_a_regency_admin_sees_and_revokes_only_their_regencys_clients(cast: Cast) -> None:
    sambas_admin = make_user("admin_sambas", Role.ADMIN_PROVINSI, "61.01")
    sambas, _ = api_client_create(actor=None, name="OpenSID Sambas", region_code="61.01", scopes=["propose"])
    pontianak, _ = api_client_create(actor=None, name="OpenSID Pontianak", region_code="61.71", scopes=["propose"])
    province, _ = api_client_create(actor=None, name="Satu Data", region_code="61", scopes=["figures"])
    admin = client_for(sambas_admin)
    listing = admin.get("/pengaturan/klien-api/").content.decode()
    assert "OpenSID Sambas" in listing
    assert "OpenSID Pontianak" not in listing and "Satu Data" not in listing
    assert "1 client" in listing
    for other in (pontianak, province):
        assert admin.post(f"/pengaturan/klien-api/{other.pk}/cabut/").status_code == 404
        other.refresh_from_db()
        assert other.revoked_at is None
    # Nor may they register one for another region.
    refused = admin.post("/pengaturan/klien-api/baru/", {**NEW_CLIENT, "region": "61.71"})
    assert refused.status_code == 403
    assert not ApiClient.objects.filter(name="Dukcapil Kalbar").exists()
    assert admin.post(f"/pengaturan/klien-api/{sambas.pk}/cabut/").status_code == 302


@pytest.mark.parametrize("role", ["operator_sambas", "verifikator", "petugas_bpjs", "keuangan", "pimpinan"])
def test_no_other_role_reaches_the_api_clients(cast: Cast, role: str) -> None:
    client, _ = api_client_create(actor=None, name="OpenSID", region_code="61.01", scopes=["propose"])
    http = client_for(cast[role])
    assert http.get("/pengaturan/klien-api/").status_code == 403
    assert http.get("/pengaturan/klien-api/baru/").status_code == 403
    assert http.post("/pengaturan/klien-api/baru/", NEW_CLIENT).status_code == 403
    assert http.post(f"/pengaturan/klien-api/{client.pk}/cabut/").status_code == 403
    client.refresh_from_db()
    assert client.revoked_at is None


def test_the_pages_are_indonesian_by_default(cast: Cast) -> None:
    admin: User = cast["admin_provinsi"]
    page = client_for(admin, language="id").get("/pengaturan/klien-api/").content.decode()
    assert "Klien API" in page
    assert "Daftarkan klien" in page
