"""The API's door and conventions (``lindung.api``): the token endpoint, scopes, 401/429 problems,
Idempotency-Key, the caller's language, and the audit channel naming the client."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.utils import translation

from lindung.accounts.api_access import (
    api_client_create,
    api_client_revoke,
    api_token_authenticate,
    personal_token_create,
)
from lindung.accounts.models import ApiClient, User
from lindung.accounts.permissions import Action, user_can
from lindung.api.app import api
from lindung.api.auth import BearerToken
from lindung.api.middleware import idempotency
from lindung.api.models import IdempotentRequest
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.channel import audit_channel
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/oauth/token"


def _api_client(scopes: list[str] | None = None, *, region: str = "61", limit: int = 600) -> tuple[ApiClient, str]:
    return api_client_create(
        actor=None, name=f"Sistem {region} {limit}", region_code=region, scopes=scopes or ["all"],
        rate_limit_per_minute=limit,
    )  # fmt: skip


def _paths() -> set[str]:
    return set(api.get_openapi_schema()["paths"])


# ---------------------------------------------------------------- the token endpoint


def test_token_with_form_fields_and_with_http_basic() -> None:
    client, secret = _api_client(["registry.read", "figures"])
    form = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    )
    assert form.status_code == 200
    assert form["Cache-Control"] == "no-store"
    body = form.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "registry.read figures"
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    by_basic = Client().post(TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert by_basic.status_code == 200
    assert by_basic.json()["access_token"] != body["access_token"]
    for token in (body["access_token"], by_basic.json()["access_token"]):
        assert Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.parametrize("wrong", ["secret", "id", "basic", "missing"])
def test_a_wrong_secret_or_id_is_401_invalid_client(wrong: str) -> None:
    client, secret = _api_client()
    data = {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret + "x"}
    extra: dict[str, str] = {}
    if wrong == "id":
        data = {**data, "client_id": "unknown", "client_secret": secret}
    elif wrong == "basic":
        data = {"grant_type": "client_credentials"}
        credentials = base64.b64encode(f"{client.client_id}:nope".encode()).decode()
        extra = {"HTTP_AUTHORIZATION": f"Basic {credentials}"}
    elif wrong == "missing":
        data = {"grant_type": "client_credentials"}
    answer = Client().post(TOKEN_URL, data, **extra)  # type: ignore[arg-type]
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer["WWW-Authenticate"].startswith("Basic")


def test_another_grant_type_is_400() -> None:
    client, _secret = _api_client()
    answer = Client().post(TOKEN_URL, {"grant_type": "password", "client_id": client.client_id})
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_a_revoked_client_gets_no_token_and_its_tokens_stop() -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    assert api_client_revoke(actor=None, client=client)
    answer = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert Client().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


# ---------------------------------------------------------------- scopes


def test_a_personal_token_is_narrowed_to_its_scopes(cast: dict[str, User]) -> None:
    person = cast["admin_provinsi"]  # may do everything through the web
    issued = personal_token_create(user=person, name="laporan", scopes=["figures"], days=30)
    caller = api_token_authenticate(issued.raw)
    assert caller is not None
    assert user_can(caller.user, Action.DASHBOARD_VIEW)
    assert not user_can(caller.user, Action.WORKER_VIEW)
    assert not user_can(caller.user, Action.ACCOUNT_MANAGE)
    # A person's token never grants more than their role: the village operator's token with every scope.
    village = personal_token_create(user=cast["operator_desa"], name="opensid", scopes=["all"], days=1)
    village_caller = api_token_authenticate(village.raw)
    assert village_caller is not None
    assert user_can(village_caller.user, Action.ENROLMENT_PROPOSE)
    assert not user_can(village_caller.user, Action.ENROLMENT_VERIFY)


@pytest.mark.skipif("/api/v1/workers" not in _paths(), reason="needs the registry's route GET /api/v1/workers")
def test_a_token_without_the_scope_gets_403_over_http(cast: dict[str, User]) -> None:
    issued = personal_token_create(user=cast["admin_provinsi"], name="angka", scopes=["figures"], days=30)
    answer = Client().get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:lindung:problem:forbidden"


# ---------------------------------------------------------------- 401, 429, language


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic abc"])
def test_no_valid_token_is_a_401_problem_with_www_authenticate(authorization: str | None) -> None:
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    answer = Client().get("/api/v1/regions", HTTP_ACCEPT_LANGUAGE="en", **extra)  # type: ignore[arg-type]
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer["WWW-Authenticate"] == 'Bearer realm="lindung"'
    problem = answer.json()
    assert problem["status"] == 401 and problem["type"] == "urn:lindung:problem:unauthenticated"
    assert problem["detail"] == "Send a valid access token: Authorization: Bearer TOKEN."


def test_the_clients_limit_gives_429_with_retry_after() -> None:
    client, secret = _api_client(limit=3)
    token = token_from_endpoint(client, secret)
    http = Client()
    statuses = [http.get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {token}").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = http.get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert f"try again in {refused['Retry-After']} seconds" in refused.json()["detail"]
    # Another client has its own count.
    other, other_secret = _api_client(limit=5)
    other_token = token_from_endpoint(other, other_secret)
    assert http.get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 200


def test_problems_speak_the_callers_language() -> None:
    english = Client().get("/api/v1/regions", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["detail"] == "Send a valid access token: Authorization: Bearer TOKEN."
    assert english["title"] == "Not signed in"
    with translation.override("id"):
        expected = (translation.gettext("Not signed in"), english["detail"] and translation.gettext(english["detail"]))
    indonesian = Client().get("/api/v1/regions", HTTP_ACCEPT_LANGUAGE="id").json()
    assert (indonesian["title"], indonesian["detail"]) == expected


def test_a_nul_character_is_refused_in_the_callers_language_not_a_server_error() -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    details = {}
    for language in ("en", "id"):
        answer = Client().get(
            "/api/v1/regions?parent=6%001", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE=language
        )
        if connection.vendor != "postgresql":
            assert answer.status_code == 200  # SQLite holds it; nothing matches
            return
        assert answer.status_code == 422, answer.content
        details[language] = answer.json()["detail"]
    assert details["en"] == "A value contains the NUL character (0x00), which text may not hold."
    assert details["id"] == "Sebuah nilai memuat karakter NUL (0x00), yang tidak boleh ada dalam teks."


@pytest.mark.parametrize("key", [None, "besar-1"])
def test_a_body_over_the_size_bound_is_a_413_problem_not_a_server_error(key: str | None) -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "id"}
    if key is not None:
        headers["Idempotency-Key"] = key
    body = json.dumps({"programme": 1, "workers": list(range(1, 500_000))})
    answer = Client().post("/api/v1/enrolments/proposals", data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 413, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert (
        answer.json()["detail"] == "Isi permintaan lebih besar dari 2,6 MB; kirim lebih sedikit dalam tiap permintaan."
    )
    assert not IdempotentRequest.objects.exists()


def test_a_nul_character_in_the_token_request_is_refused_not_a_server_error() -> None:
    answer = Client().post(TOKEN_URL, {"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "c"})
    assert answer.status_code in (401, 422)


# ---------------------------------------------------------------- Idempotency-Key


def _idempotent_post(
    token: str, key: str, body: dict[str, Any], calls: list[dict[str, Any]], status: int = 201
) -> HttpResponse:
    """A POST through the idempotency middleware to a route that writes one audit entry a call."""

    def route(request: HttpRequest) -> HttpResponse:
        calls.append(json.loads(request.body))
        audit_record(actor=None, action="test.idempotent", note=str(len(calls)))
        response = JsonResponse({"call": len(calls)}, status=status)
        if status == 201:
            response["Location"] = f"/api/v1/things/{len(calls)}"
        return response

    request = RequestFactory().post(
        "/api/v1/things",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    return idempotency(route)(request)


def test_a_repeated_key_returns_the_first_answer_and_writes_nothing_twice() -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    calls: list[dict[str, Any]] = []
    first = _idempotent_post(token, "k-1", {"nik": "1"}, calls)
    again = _idempotent_post(token, "k-1", {"nik": "1"}, calls)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert len(calls) == 1
    assert AuditEntry.objects.filter(action="test.idempotent").count() == 1
    # The same key with another body is refused; a new key runs the route.
    reused = _idempotent_post(token, "k-1", {"nik": "2"}, calls)
    assert reused.status_code == 422
    assert json.loads(reused.content)["type"] == "urn:lindung:problem:idempotency-key-reused"
    assert _idempotent_post(token, "k-2", {"nik": "2"}, calls).status_code == 201
    assert len(calls) == 2


def test_a_refused_request_leaves_the_key_free_and_writes_nothing() -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    calls: list[dict[str, Any]] = []
    refused = _idempotent_post(token, "k-3", {"nik": "1"}, calls, status=422)
    assert refused.status_code == 422
    assert not AuditEntry.objects.filter(action="test.idempotent").exists()  # rolled back with the key
    assert not IdempotentRequest.objects.filter(key="k-3").exists()
    assert _idempotent_post(token, "k-3", {"nik": "1"}, calls).status_code == 201


def test_keys_belong_to_their_caller_and_bad_keys_are_400() -> None:
    first, first_secret = _api_client(limit=600)
    second, second_secret = _api_client(limit=601)
    calls: list[dict[str, Any]] = []
    assert _idempotent_post(token_from_endpoint(first, first_secret), "same", {"a": 1}, calls).status_code == 201
    assert _idempotent_post(token_from_endpoint(second, second_secret), "same", {"a": 1}, calls).status_code == 201
    assert len(calls) == 2
    for bad in ("x" * 201, "tab\there"):
        assert _idempotent_post(token_from_endpoint(first, first_secret), bad, {"a": 1}, calls).status_code == 400


@pytest.mark.skipif("/api/v1/workers" not in _paths(), reason="needs the registry's route POST /api/v1/workers")
def test_idempotency_over_http_on_a_real_route() -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "once"}
    first = Client().post("/api/v1/workers", data={}, content_type="application/json", **headers)  # type: ignore[arg-type]
    other = Client().post(
        "/api/v1/workers",
        data={"name": "x"},
        content_type="application/json",
        **headers,  # type: ignore[arg-type]
    )
    if 200 <= first.status_code < 300:
        assert other.status_code == 422
    else:
        assert first.status_code == 422  # an empty body is refused, and the key stays free


# ---------------------------------------------------------------- the audit channel


def test_an_audit_entry_written_through_the_api_names_the_client(cast: dict[str, User]) -> None:
    client, secret = _api_client()
    token = token_from_endpoint(client, secret)
    request = RequestFactory().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}")
    with audit_channel(""):
        assert BearerToken()(request) is not None
        entry = audit_record(actor=request.user, action="test.through_api")  # type: ignore[arg-type]
    assert entry.channel == f"api client:{client.pk}"
    personal = personal_token_create(user=cast["keuangan"], name="skrip", scopes=["finance"], days=5)
    request = RequestFactory().get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {personal.raw}")
    with audit_channel(""):
        assert BearerToken()(request) is not None
        entry = audit_record(actor=request.user, action="test.through_api")  # type: ignore[arg-type]
    assert entry.channel == f"api token:{personal.token.pk}"
    # Outside an API request, the channel is empty again.
    assert audit_record(actor=None, action="test.web").channel == ""


def test_a_query_parameter_given_twice_is_refused_not_read_as_its_last_value() -> None:
    client, secret = _api_client(["registry.read"])
    api = Client(headers={"Authorization": f"Bearer {token_from_endpoint(client, secret)}", "Accept-Language": "id"})
    once = api.get("/api/v1/regions", {"parent": "61"})
    twice = api.get("/api/v1/regions?parent=61&parent=62&level=2")
    assert once.status_code == 200
    assert twice.status_code == 422 and twice["Content-Type"] == "application/problem+json"
    assert twice.json()["errors"] == [{"field": "parent", "message": "Parameter ini diberikan lebih dari sekali."}]
