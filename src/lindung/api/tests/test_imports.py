"""``/api/v1/imports`` through HTTP with real tokens: an upload followed to its end, its rejected rows with their
fields, hostile and oversized files refused with problem details, scopes, and the region scope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lindung.accounts.api_access import api_client_create, personal_token_create
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment
from lindung.imports.models import ImportBatch, ImportStatus
from lindung.imports.tests.conftest import person, write_csv
from lindung.programmes.models import Programme
from lindung.spreadsheets.tests.conftest import HostileFile
from lindung.spreadsheets.tests.hostile import CORPUS, Hostile
from lindung.testing import PONTIANAK_VILLAGE, Cast, make_nik
from lindung.workers.models import Heir, Worker

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
SMALL_CORPUS = [hostile for hostile in CORPUS if not hostile.large]


@pytest.fixture(autouse=True)
def _media_and_immediate_tasks(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    # The job runs as soon as the upload's transaction commits (``_upload`` runs the on-commit callbacks).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _client_token(name: str, region: str, *scopes: str) -> str:
    """A registered API client's access token, from the token endpoint (client credentials)."""
    client, secret = api_client_create(actor=None, name=name, region_code=region, scopes=list(scopes))
    return token_from_endpoint(client, secret)


def _api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def _upload(
    api: Client, capture: Any, programme: Programme | int, path: Path, *, headers: dict[str, str] | None = None
) -> Any:
    """POST a file to ``/api/v1/imports``; its job runs when the request's transaction commits."""
    pk = programme if isinstance(programme, int) else programme.pk
    with capture(execute=True):
        return api.post(
            "/api/v1/imports",
            {"programme": pk, "file": SimpleUploadedFile(path.name, path.read_bytes())},
            headers=headers or {},
        )


def _refused_as_expected(hostile: Hostile, message: str) -> bool:
    return bool(hostile.refusal) and any(words in message for words in hostile.refusal)


def _refused_for_another_reason(message: str) -> bool:
    """A file the corpus reads cleanly may still be refused whole by the upload's own rules."""
    return "no data rows" in message or "no column for" in message


def _registry() -> tuple[int, int, int, int]:
    return (Worker.objects.count(), Heir.objects.count(), Enrolment.objects.count(), ImportBatch.objects.count())


def test_an_upload_is_queued_followed_to_completed_and_its_rejected_rows_are_listed_with_their_field(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    bad = [make_nik(), make_nik()]
    rows = [
        person(make_nik()),
        person(bad[0], **{"Jenis Kelamin": "?"}),
        person(make_nik()),
        person(bad[1], Kategori="ASTRONOT"),
    ]

    response = _upload(api, django_capture_on_commit_callbacks, programme, write_csv(tmp_path / "usulan.csv", rows))

    assert response.status_code == 202, response.content
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/api/v1/imports/{batch.pk}"
    assert response.json()["status"] == "queued"  # the answer is written before the job runs
    read = api.get(response["Location"])
    assert read.status_code == 200 and read["ETag"]
    body = read.json()
    assert (body["status"], body["rows"], body["imported"], body["rejected"]) == ("completed", 4, 2, 2)
    assert (body["programme_code"], body["language"], body["rejected_listed"]) == (programme.code, "en", 2)
    assert sorted(Worker.objects.values_list("nik", flat=True)) == sorted(r["NIK"] for r in rows if r["NIK"] not in bad)

    first = api.get(f"/api/v1/imports/{batch.pk}/rows", {"limit": 1})
    assert first.status_code == 200
    page = first.json()
    assert [item["row"] for item in page["items"]] == [3] and page["next_cursor"]
    assert page["items"][0]["errors"] == [{"field": "Jenis Kelamin", "message": "Write L (male) or P (female); not ?."}]
    second = api.get(f"/api/v1/imports/{batch.pk}/rows", {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [item["row"] for item in second["items"]] == [5] and second["next_cursor"] is None
    assert second["items"][0]["errors"][0]["field"] == "Kategori"
    # The queued upload is audited as the client's, through the API.
    entry = AuditEntry.objects.get(action="import.queued", object_id=str(batch.pk))
    assert entry.channel.startswith("api client:")


def test_the_list_holds_the_region_s_uploads_newest_first_a_page_at_a_time(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    for name in ("a.csv", "b.csv", "c.csv"):
        path = write_csv(tmp_path / name, [person(make_nik(), Kategori="?")])
        assert _upload(api, django_capture_on_commit_callbacks, programme, path).status_code == 202
    ids = list(ImportBatch.objects.order_by("-pk").values_list("pk", flat=True))

    first = api.get("/api/v1/imports", {"limit": 2}).json()
    second = api.get("/api/v1/imports", {"limit": 2, "cursor": first["next_cursor"]}).json()

    assert [item["id"] for item in first["items"] + second["items"]] == ids
    assert second["next_cursor"] is None
    assert {item["status"] for item in first["items"]} == {"completed"}
    assert api.get("/api/v1/imports", {"status": "failed"}).json()["items"] == []
    bad_cursor = api.get("/api/v1/imports", {"cursor": "not-a-cursor!"})
    assert bad_cursor.status_code == 400 and bad_cursor["Content-Type"] == PROBLEM


def test_an_oversized_file_is_refused_with_413_and_a_file_of_another_kind_with_422(
    cast: Cast, programme: Programme, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
):
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    settings.LINDUNG_IMPORT_MAX_BYTES = 1024 * 1024
    big = tmp_path / "besar.csv"
    big.write_bytes(b"NIK;Nama\n" + b"6101011705800001;Budi\n" * 60_000)
    picture = tmp_path / "foto.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")

    too_large = _upload(api, django_capture_on_commit_callbacks, programme, big)
    not_a_sheet = _upload(api, django_capture_on_commit_callbacks, programme, picture)
    valid = write_csv(tmp_path / "a.csv", [person(make_nik())])
    closed = _upload(api, django_capture_on_commit_callbacks, 999_999, valid)

    assert too_large.status_code == 413 and too_large["Content-Type"] == PROBLEM
    assert too_large.json()["errors"] == [
        {"field": "file", "message": "The file is too large; files of at most 1 MB can be uploaded."}
    ]
    in_indonesian = _api(_client_token("OpenSID Sambas ID", "61.01", "propose"))
    in_indonesian.defaults["HTTP_ACCEPT_LANGUAGE"] = "id"
    refused_in_indonesian = _upload(in_indonesian, django_capture_on_commit_callbacks, programme, big)
    assert refused_in_indonesian.status_code == 413
    assert "1 MB" in refused_in_indonesian.json()["detail"]
    assert refused_in_indonesian.json()["detail"] != too_large.json()["detail"]
    assert not_a_sheet.status_code == 422
    assert not_a_sheet.json()["errors"] == [
        {"field": "file", "message": "Upload an Excel workbook (.xlsx) or a CSV file."}
    ]
    assert closed.status_code == 422 and [e["field"] for e in closed.json()["errors"]] == ["programme"]
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("hostile", SMALL_CORPUS, ids=[hostile.name for hostile in SMALL_CORPUS])
def test_a_hostile_file_is_refused_with_a_problem_or_its_job_ends_cleanly(
    hostile: Hostile,
    hostile_file: HostileFile,
    cast: Cast,
    programme: Programme,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
):
    settings.LINDUNG_IMPORT_MAX_ROWS = 20_000
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    before = _registry()

    response = _upload(api, django_capture_on_commit_callbacks, programme, hostile_file(hostile.name))

    if response.status_code != 202:
        assert response.status_code == 422, response.status_code
        assert response["Content-Type"] == PROBLEM
        problem = response.json()
        assert [error["field"] for error in problem["errors"]] == ["file"], problem
        assert _refused_as_expected(hostile, problem["detail"]) or _refused_for_another_reason(problem["detail"])
        assert _registry() == before
        return
    batch = ImportBatch.objects.get()
    read = api.get(response["Location"])
    assert read.status_code == 200
    if hostile.refusal:
        assert read.json()["status"] == ImportStatus.FAILED
        assert _refused_as_expected(hostile, read.json()["message"]), read.json()["message"]
        assert _registry()[:3] == before[:3]
    else:
        assert read.json()["status"] == ImportStatus.COMPLETED, batch.message
    assert api.get(f"/api/v1/imports/{batch.pk}/rows").status_code == 200


def test_a_token_without_the_scope_gets_403(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    path = write_csv(tmp_path / "a.csv", [person(make_nik())])
    figures = _api(_client_token("Satu Data", "61.01", "figures"))
    reader = _api(_client_token("Dukcapil Sambas", "61.01", "registry.read"))
    # An operator may propose, but a personal token made for the figures only may not.
    personal = personal_token_create(user=cast["operator_sambas"], name="skrip", scopes=["figures"], days=7)
    narrowed = _api(personal.raw)

    for api in (figures, reader, narrowed):
        refused = _upload(api, django_capture_on_commit_callbacks, programme, path)
        assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
        assert api.get("/api/v1/imports").status_code == 403
    assert not ImportBatch.objects.exists()
    assert Client().get("/api/v1/imports").status_code == 401


def test_a_sambas_client_never_sees_nor_reads_a_pontianak_upload(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    pontianak = _api(_client_token("OpenSID Pontianak", "61.71", "propose"))
    rows = [
        person(make_nik(district="61.71.01"), **{"Kode Desa": PONTIANAK_VILLAGE}),
        person(make_nik(district="61.71.01"), **{"Kode Desa": PONTIANAK_VILLAGE, "Jenis Kelamin": "?"}),
    ]
    theirs = _upload(pontianak, django_capture_on_commit_callbacks, programme, write_csv(tmp_path / "p.csv", rows))
    assert theirs.status_code == 202
    batch = ImportBatch.objects.get()
    assert batch.region_code == "61.71"
    sambas = _api(_client_token("OpenSID Sambas", "61.01", "propose", "registry.read"))
    ours = write_csv(tmp_path / "s.csv", [person(make_nik())])
    own = _upload(sambas, django_capture_on_commit_callbacks, programme, ours)
    assert own.status_code == 202

    listed = sambas.get("/api/v1/imports").json()
    by_status = sambas.get("/api/v1/imports", {"status": "completed"}).json()
    assert [item["id"] for item in listed["items"]] == [own.json()["id"]]
    assert [item["id"] for item in by_status["items"]] == [own.json()["id"]]
    for url in (f"/api/v1/imports/{batch.pk}", f"/api/v1/imports/{batch.pk}/rows"):
        answer = sambas.get(url)
        assert answer.status_code == 404 and answer["Content-Type"] == PROBLEM
    # The same 404 as an address that holds nothing: it does not tell that the upload exists.
    assert sambas.get(f"/api/v1/imports/{batch.pk}").content == sambas.get("/api/v1/imports/999999").content
    assert pontianak.get(f"/api/v1/imports/{batch.pk}/rows").json()["items"][0]["row"] == 3


def test_the_same_upload_sent_again_with_its_idempotency_key_is_queued_once(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    path = write_csv(tmp_path / "usulan.csv", [person(make_nik())])

    first = _upload(api, django_capture_on_commit_callbacks, programme, path, headers={"Idempotency-Key": "usulan-1"})
    again = _upload(api, django_capture_on_commit_callbacks, programme, path, headers={"Idempotency-Key": "usulan-1"})

    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first["Location"]
    assert again.content == first.content
    assert ImportBatch.objects.count() == 1 and Worker.objects.count() == 1


def test_another_file_of_the_same_size_under_the_same_idempotency_key_is_refused_not_replayed(
    cast: Cast, programme: Programme, tmp_path: Path, django_capture_on_commit_callbacks: Any
):
    api = _api(_client_token("OpenSID Sambas", "61.01", "propose"))
    nik = make_nik()
    first_file = write_csv(tmp_path / "usulan.csv", [person(nik)])
    # The same name and size, another person: only the bytes tell the two requests apart.
    renamed = tmp_path / "lain" / "usulan.csv"
    renamed.parent.mkdir()
    renamed.write_bytes(first_file.read_bytes().replace(nik.encode(), make_nik().encode()))
    assert renamed.stat().st_size == first_file.stat().st_size and renamed.read_bytes() != first_file.read_bytes()

    first = _upload(api, django_capture_on_commit_callbacks, programme, first_file, headers={"Idempotency-Key": "k-1"})
    other = _upload(api, django_capture_on_commit_callbacks, programme, renamed, headers={"Idempotency-Key": "k-1"})

    assert first.status_code == 202
    assert other.status_code == 422 and other.json()["type"] == "urn:lindung:problem:idempotency-key-reused"
    assert ImportBatch.objects.count() == 1
