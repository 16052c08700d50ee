"""Personal API tokens on the account page (``/akun/``): made with a name, scopes and a life, shown once, listed
by their first characters, revoked; a person reaches only their own tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lindung.accounts.api_access import personal_token_create
from lindung.accounts.models import ApiToken
from lindung.audit.models import AuditEntry
from lindung.testing import Cast, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _token_shown(html: str) -> str:
    found = re.search(r'data-testid="token-value">([^<]+)<', html)
    assert found
    return found.group(1)


def test_a_person_makes_a_token_shown_once_that_works_and_lists_it(cast: Cast) -> None:
    person = cast["keuangan"]
    browser = client_for(person)
    account = browser.get("/akun/").content.decode()
    assert "You have no API token." in account
    assert 'href="/akun/token/baru/"' in account
    form = browser.get("/akun/token/baru/").content.decode()
    assert "<code>figures</code>: Read the dashboard figures." in form
    made = browser.post("/akun/token/baru/", {"name": "laporan bulanan", "scopes": ["figures"], "days": "30"})
    assert made.status_code == 200
    raw = _token_shown(made.content.decode())
    token = ApiToken.objects.get(user=person)
    assert (token.name, token.scopes, token.kind) == ("laporan bulanan", ["figures"], ApiToken.Kind.PERSONAL)
    assert raw not in token.token_sha256
    assert Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert AuditEntry.objects.filter(action="api_token.created", actor_id=person.pk).exists()
    listed = browser.get("/akun/").content.decode()
    assert "laporan bulanan" in listed and f"{token.prefix}…" in listed
    assert raw not in listed


def test_a_refused_token_is_explained(cast: Cast) -> None:
    browser = client_for(cast["keuangan"])
    answer = browser.post("/akun/token/baru/", {"name": "x", "scopes": [], "days": "400"})
    assert answer.status_code == 200
    assert 'data-testid="error-scopes"' in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_token_and_cannot_reach_anothers(cast: Cast) -> None:
    mine = personal_token_create(user=cast["keuangan"], name="skrip", scopes=["finance"], days=10)
    theirs = personal_token_create(user=cast["pimpinan"], name="angka", scopes=["figures"], days=10)
    browser = client_for(cast["keuangan"])
    assert browser.post(f"/akun/token/{theirs.token.pk}/cabut/").status_code == 404
    assert Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {theirs.raw}").status_code == 200
    answer = browser.post(f"/akun/token/{mine.token.pk}/cabut/", follow=True)
    assert "The token is revoked" in answer.content.decode()
    assert Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {mine.raw}").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoked", actor_id=cast["keuangan"].pk).count() == 1
    assert browser.post(f"/akun/token/{mine.token.pk}/cabut/").status_code == 404  # once
    assert "revoked" in browser.get("/akun/").content.decode()


def test_signed_out_visitors_are_sent_to_the_login() -> None:
    assert Client().get("/akun/token/baru/").status_code == 302
    assert Client().post("/akun/token/1/cabut/").status_code == 302


def test_the_page_is_indonesian_by_default(cast: Cast) -> None:
    page = client_for(cast["keuangan"], language="id").get("/akun/").content.decode()
    assert "Token API" in page
