"""``/api/v1/bpjs/batches`` through HTTP with real tokens: a batch sent, its file downloaded (audited) and
BPJS's answer taken, as on the web; refusals as problem details; scopes; and the region scope."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lindung.accounts.api_access import api_client_create
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.spreadsheets.tests.conftest import HostileFile
from lindung.spreadsheets.tests.hostile import CORPUS, Hostile
from lindung.testing import PONTIANAK_VILLAGE, Cast, make_enrolment, make_worker

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ANSWER_HEADER = "NIK,No KPJ,Status,Alasan,Tanggal Mulai\n"
SMALL_CORPUS = [hostile for hostile in CORPUS if not hostile.large]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def _client_token(name: str, region: str, *scopes: str) -> str:
    """A registered API client's access token, from the token endpoint (client credentials)."""
    client, secret = api_client_create(actor=None, name=name, region_code=region, scopes=list(scopes))
    return token_from_endpoint(client, secret)


def _api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def _verified(programme: Programme, count: int, **worker: Any) -> list[Enrolment]:
    return [make_enrolment(make_worker(**worker), programme, Status.VERIFIED) for _ in range(count)]


def _answer(api: Client, batch_id: int, content: str, name: str = "jawaban.csv") -> Any:
    return api.post(f"/api/v1/bpjs/batches/{batch_id}/answer", {"file": SimpleUploadedFile(name, content.encode())})


def _statuses(enrolments: list[Enrolment]) -> list[str]:
    return list(
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).order_by("pk").values_list("status", flat=True)
    )


def test_a_batch_is_sent_its_file_downloaded_audited_and_bpjs_answer_taken(cast: Cast, programme: Programme):
    api = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))
    enrolments = _verified(programme, 2)

    created = api.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json")

    assert created.status_code == 201, created.content
    batch = BpjsBatch.objects.get()
    body = created.json()
    assert created["Location"] == f"/api/v1/bpjs/batches/{batch.pk}"
    assert (body["number"], body["count"], body["waiting"], body["state"]) == (1, 2, 2, "sent")
    assert (body["programme_code"], body["region_code"], body["sha256"]) == (programme.code, "61.01", batch.sha256)
    assert _statuses(enrolments) == [Status.SENT, Status.SENT]
    assert AuditEntry.objects.get(action="bpjs.exported", object_id=str(batch.pk)).channel.startswith("api client:")

    listed = api.get("/api/v1/bpjs/batches").json()
    assert [item["id"] for item in listed["items"]] == [batch.pk] and listed["next_cursor"] is None
    read = api.get(created["Location"])
    assert read.status_code == 200 and read["ETag"] and read.json() == body

    download = api.get(f"/api/v1/bpjs/batches/{batch.pk}/file")
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert hashlib.sha256(download.content).hexdigest() == batch.sha256
    assert f'filename="bpjs-{programme.code}-batch-1.xlsx"' in download["Content-Disposition"]
    exported = AuditEntry.objects.get(action="worker.exported", object_id=str(batch.pk))
    assert exported.channel.startswith("api client:") and exported.changes["rows"] == [None, 2]

    first, second = sorted(enrolments, key=lambda e: e.pk)
    content = (
        ANSWER_HEADER
        + f"{first.worker.nik},26010000001,diterima,,01/03/2026\n"
        + f"{second.worker.nik},,ditolak,Data ganda,\n"
    )
    answered = _answer(api, batch.pk, content)
    assert answered.status_code == 200, answered.content
    result = answered.json()
    assert (result["rows"], result["activated"], result["rejected"], result["error_rows"]) == (2, 1, 1, 0)
    assert (result["batch"]["state"], result["batch"]["waiting"]) == ("answered", 0)
    assert _statuses(enrolments) == [Status.ACTIVE, Status.REJECTED]
    assert Enrolment.objects.get(pk=first.pk).kpj == "26010000001"
    again = _answer(api, batch.pk, content).json()
    assert (again["activated"], again["rejected"], again["unchanged"]) == (0, 0, 2)


def test_refusals_are_problems_with_their_field_and_write_nothing(cast: Cast, programme: Programme):
    api = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))

    nothing_waiting = api.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json")
    no_programme = api.post("/api/v1/bpjs/batches", {"programme": 999_999}, content_type="application/json")
    not_a_number = api.post("/api/v1/bpjs/batches", {"programme": "x"}, content_type="application/json")

    assert nothing_waiting.status_code == 422 and nothing_waiting["Content-Type"] == PROBLEM
    assert nothing_waiting.json()["errors"] == [
        {
            "field": "programme",
            "message": "Programme KALBAR-2026 has no verified enrolment waiting; no batch was written.",
        }
    ]
    assert no_programme.status_code == 422 and no_programme.json()["errors"][0]["field"] == "programme"
    assert not_a_number.status_code == 422 and not_a_number.json()["errors"][0]["field"] == "programme"
    assert not BpjsBatch.objects.exists()

    ours = _verified(programme, 1)
    other = _verified(programme, 1)
    batch_id = api.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json").json()[
        "id"
    ]
    outside = make_enrolment(make_worker(), programme, Status.VERIFIED)
    row_error = _answer(api, batch_id, ANSWER_HEADER + f"{outside.worker.nik},26010000009,diterima,,01/03/2026\n")
    assert row_error.status_code == 200
    assert row_error.json()["errors"] == [
        {"row": 2, "field": "NIK", "message": "No worker with this NIK is in batch 1 of programme KALBAR-2026."}
    ]
    no_columns = _answer(api, batch_id, "Nama\nBudi\n")
    assert no_columns.status_code == 422 and no_columns.json()["errors"][0]["field"] == "file"
    assert "no column for" in no_columns.json()["detail"]
    picture = _answer(api, batch_id, "PNG", name="foto.png")
    assert picture.status_code == 422
    assert picture.json()["errors"] == [{"field": "file", "message": "Upload an Excel workbook (.xlsx) or a CSV file."}]
    assert _statuses([*ours, *other, outside]) == [Status.SENT, Status.SENT, Status.VERIFIED]


def test_an_oversized_answer_is_refused_with_413(cast: Cast, programme: Programme, settings: Any):
    api = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))
    _verified(programme, 1)
    batch_id = api.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json").json()[
        "id"
    ]
    settings.LINDUNG_IMPORT_MAX_BYTES = 1024 * 1024

    refused = _answer(api, batch_id, ANSWER_HEADER + "6101011705800001,26010000001,diterima,,01/03/2026\n" * 30_000)

    assert refused.status_code == 413 and refused["Content-Type"] == PROBLEM
    assert refused.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize("hostile", SMALL_CORPUS, ids=[hostile.name for hostile in SMALL_CORPUS])
def test_a_hostile_answer_is_refused_with_a_problem_or_read_cleanly(
    hostile: Hostile, hostile_file: HostileFile, cast: Cast, programme: Programme
):
    api = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))
    enrolments = _verified(programme, 1)
    batch_id = api.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json").json()[
        "id"
    ]
    path = hostile_file(hostile.name)

    response = api.post(
        f"/api/v1/bpjs/batches/{batch_id}/answer", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
    )

    if response.status_code == 422:
        assert response["Content-Type"] == PROBLEM
        assert [error["field"] for error in response.json()["errors"]] == ["file"]
    else:
        assert response.status_code == 200, response.status_code
        assert not hostile.refusal
        assert response.json()["activated"] == response.json()["rejected"] == 0
    assert _statuses(enrolments) == [Status.SENT]


def test_a_token_without_the_scope_gets_403(cast: Cast, programme: Programme):
    enrolments = _verified(programme, 1)
    sender = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))
    batch_id = sender.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json").json()[
        "id"
    ]
    proposer = _api(_client_token("OpenSID Sambas", "61.01", "propose", "verify", "registry.read"))

    for answer in (
        proposer.get("/api/v1/bpjs/batches"),
        proposer.get(f"/api/v1/bpjs/batches/{batch_id}"),
        proposer.get(f"/api/v1/bpjs/batches/{batch_id}/file"),
        proposer.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json"),
        _answer(proposer, batch_id, ANSWER_HEADER + f"{enrolments[0].worker.nik},,ditolak,x,\n"),
    ):
        assert answer.status_code == 403 and answer["Content-Type"] == PROBLEM
    assert _statuses(enrolments) == [Status.SENT]
    assert not AuditEntry.objects.filter(action="worker.exported").exists()


def test_a_sambas_client_never_sees_downloads_answers_nor_sends_a_pontianak_batch(cast: Cast, programme: Programme):
    pontianak = _api(_client_token("BPJS Pontianak", "61.71", "bpjs.exchange"))
    theirs = _verified(programme, 2, village=PONTIANAK_VILLAGE)
    created = pontianak.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json")
    assert created.status_code == 201
    batch_id = created.json()["id"]
    waiting = _verified(programme, 1, village=PONTIANAK_VILLAGE)  # verified, not yet sent
    sambas = _api(_client_token("BPJS Sambas", "61.01", "bpjs.exchange"))

    assert sambas.get("/api/v1/bpjs/batches").json()["items"] == []
    assert sambas.get("/api/v1/bpjs/batches", {"programme": programme.pk}).json()["items"] == []
    for url in (f"/api/v1/bpjs/batches/{batch_id}", f"/api/v1/bpjs/batches/{batch_id}/file"):
        refused = sambas.get(url)
        assert refused.status_code == 404 and refused["Content-Type"] == PROBLEM
    assert sambas.get(f"/api/v1/bpjs/batches/{batch_id}").content == sambas.get("/api/v1/bpjs/batches/999999").content
    answer = _answer(sambas, batch_id, ANSWER_HEADER + f"{theirs[0].worker.nik},26010000001,diterima,,01/03/2026\n")
    assert answer.status_code == 404
    # Sending the programme from Sambas takes none of Pontianak's verified enrolments.
    sent = sambas.post("/api/v1/bpjs/batches", {"programme": programme.pk}, content_type="application/json")
    assert sent.status_code == 422

    assert _statuses([*theirs, *waiting]) == [Status.SENT, Status.SENT, Status.VERIFIED]
    assert BpjsBatch.objects.count() == 1
    assert not AuditEntry.objects.filter(action="worker.exported").exists()
    # The province's own client sees it.
    province = _api(_client_token("BPJS Kalbar", "61", "bpjs.exchange"))
    assert [item["id"] for item in province.get("/api/v1/bpjs/batches").json()["items"]] == [batch_id]
