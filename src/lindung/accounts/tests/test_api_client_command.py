"""``lindung api-client add|list|revoke``: a client registered from the command line gets a token with the
secret printed once, as form fields or HTTP Basic; a revoked client gets none and its tokens stop working."""

from __future__ import annotations

import base64
import json
from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.test import Client

from lindung.accounts.models import ApiClient
from lindung.accounts.permissions import ApiScope
from lindung.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api-client", *args, "--lang", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _add_json(name: str = "Dukcapil Kalbar", *scopes: str, region: str = "61") -> dict[str, str]:
    out, _ = _run("add", name, "--region", region, "--scope", *(scopes or ("all",)), "--json")
    return json.loads(out)


def _token(client_id: str, secret: str, *, basic: bool = False):
    http = Client()
    if basic:
        credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        return http.post(
            "/api/v1/oauth/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}"
        )
    return http.post(
        "/api/v1/oauth/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )


def test_the_command_name_with_a_hyphen_is_found() -> None:
    assert get_commands()["api-client"] == "lindung.accounts"


def test_add_prints_the_id_and_the_secret_once_and_registers_the_client() -> None:
    out, err = _run("add", "OpenSID Sambas", "--region", "61.01", "--scope", "propose", "registry.read")
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert set(lines) == {"client_id", "client_secret"}
    assert "shown only now" in err
    client = ApiClient.objects.get(client_id=lines["client_id"])
    assert client.name == "OpenSID Sambas"
    assert client.user.region_id == "61.01"
    assert client.scopes == [ApiScope.REGISTRY_READ, ApiScope.PROPOSE]  # canonical order
    assert client.rate_limit_per_minute == 600
    assert lines["client_secret"] not in client.secret_sha256
    entry = AuditEntry.objects.get(action="api_client.created")
    assert entry.actor_id is None  # the server's command line
    assert lines["client_secret"] not in json.dumps(entry.changes)


def test_json_has_exactly_the_two_keys_and_all_grants_every_scope() -> None:
    answer = _add_json("Satu Data Kalbar", "all")
    assert set(answer) == {"client_id", "client_secret"}
    client = ApiClient.objects.get(client_id=answer["client_id"])
    assert client.scopes == [scope.value for scope in ApiScope]


def test_rate_limit_is_kept() -> None:
    out, _ = _run("add", "Portal", "--region", "61", "--scope", "figures", "--rate-limit", "30", "--json")
    assert ApiClient.objects.get(client_id=json.loads(out)["client_id"]).rate_limit_per_minute == 30


def test_the_printed_secret_gets_a_token_as_form_fields_and_as_http_basic() -> None:
    answer = _add_json("BPJS Pontianak", "bpjs.exchange", region="61.71")
    for basic in (False, True):
        response = _token(answer["client_id"], answer["client_secret"], basic=basic)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "bpjs.exchange"
        read = Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
        assert read.status_code == 200
    assert _token(answer["client_id"], answer["client_secret"] + "x").status_code == 401


def test_list_shows_the_clients_without_secrets() -> None:
    first = _add_json("Dukcapil Kalbar", "registry.read")
    second = _add_json("OpenSID", "propose", region="61.01")
    out, _ = _run("list")
    assert first["client_id"] in out and second["client_id"] in out
    assert "OpenSID\t61.01\tpropose\t600/min\tactive" in out
    assert first["client_secret"] not in out
    rows = json.loads(_run("list", "--json")[0])
    assert [row["client_id"] for row in rows] == [second["client_id"], first["client_id"]]  # newest first
    assert rows[0] == {
        "client_id": second["client_id"],
        "name": "OpenSID",
        "region": "61.01",
        "scopes": ["propose"],
        "rate_limit_per_minute": 600,
        "created_at": rows[0]["created_at"],
        "revoked_at": None,
    }


def test_list_when_there_is_none() -> None:
    assert _run("list")[0].strip() == "No API client is registered."
    assert json.loads(_run("list", "--json")[0]) == []


def test_revoke_stops_the_client_and_its_tokens() -> None:
    answer = _add_json("Dukcapil Kalbar", "registry.read")
    access = _token(answer["client_id"], answer["client_secret"]).json()["access_token"]
    out, _ = _run("revoke", answer["client_id"])
    assert "is revoked" in out
    refused = Client().get("/api/v1/regions/61", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert refused.status_code == 401
    again = _token(answer["client_id"], answer["client_secret"])
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_client"
    assert "already revoked" in _run("revoke", answer["client_id"])[0]
    assert AuditEntry.objects.filter(action="api_client.revoked").count() == 1
    assert "revoked" in _run("list")[0]


def test_unknown_scope_is_refused_with_the_list_of_scopes() -> None:
    with pytest.raises(CommandError) as refused:
        _run("add", "X", "--region", "61", "--scope", "registry.read", "everything")
    message = str(refused.value)
    assert "Unknown scope: everything" in message
    for scope in ApiScope:
        assert scope.value in message
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (("add", "X", "--region", "99.99", "--scope", "all"), "There is no region with the code 99.99."),
        (("add", "X", "--region", "61.01.01", "--scope", "all"), "A client's region is a province or a regency"),
        (("add", "X", "--region", "61", "--scope", "all", "--rate-limit", "0"), "between 1 and 100,000"),
        (("revoke", "nope"), "There is no API client nope."),
    ],
)
def test_refusals_are_sentences(args: tuple[str, ...], sentence: str) -> None:
    with pytest.raises(CommandError, match=sentence.replace(".", r"\.")):
        _run(*args)


def test_a_second_client_of_the_same_name_is_refused() -> None:
    _add_json("Dukcapil Kalbar")
    with pytest.raises(CommandError, match=r"(?i)There is already a client named dukcapil kalbar"):
        _add_json("dukcapil kalbar")


def test_help_lists_every_scope_with_what_it_grants() -> None:
    from importlib import import_module

    command = import_module("lindung.accounts.management.commands.api-client").Command()
    text = command.create_parser("lindung", "api-client").format_help()
    for scope in ApiScope:
        assert scope.value in text
    assert "Register and correct workers, propose enrolments and end them." in text
    assert "worker.view_nik" in text
    assert "--scope all grants every one" in text
