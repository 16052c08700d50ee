"""BPJS batches that cannot be lost (issue 16, item 3): the file is kept with the batch, in the same transaction
as the enrolments' change, and handed out again byte for byte; the list of batches, their answers, and their
region scope."""

from __future__ import annotations

import hashlib
import importlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.http import Http404

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.enrolments import bpjs
from lindung.enrolments.bpjs import BatchFileError, bpjs_batch_create, bpjs_batch_download, bpjs_result_import
from lindung.enrolments.models import BpjsBatch, Enrolment, Status
from lindung.enrolments.services import enrolment_send
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_user,
    make_worker,
    strict_client_for,
)

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test's own storage folder, so that the files a test finds are its own."""
    folder = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}},
    }
    return folder


@pytest.fixture
def sambas_verifier(db: None) -> User:
    return make_user("verifikator_sambas", Role.VERIFIKATOR, "61.01")


def _verified(programme: Programme, count: int, **worker: Any) -> list[Enrolment]:
    return [make_enrolment(make_worker(**worker), programme, Status.VERIFIED) for _ in range(count)]


def _files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def _status(enrolment: Enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


def _download(actor: User, batch: BpjsBatch) -> bytes:
    out = io.BytesIO()
    bpjs_batch_download(actor=actor, batch=batch, out=out)
    return out.getvalue()


# --- the file kept with the batch --------------------------------------------------------------


def test_a_new_batch_keeps_its_file_and_hands_it_out_again_byte_for_byte(cast: Cast, programme: Programme, media: Path):
    enrolments = _verified(programme, 3)

    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)

    assert batch is not None
    stored = Path(batch.file.path).read_bytes()
    assert batch.file.name == f"bpjs/{programme.pk}/batch-1.xlsx"
    assert batch.sha256 == hashlib.sha256(stored).hexdigest()
    assert batch.region_code == "61"
    assert {_status(e) for e in enrolments} == {Status.SENT}
    first = _download(cast["petugas_bpjs"], batch)
    second = _download(cast["verifikator"], batch)
    assert first == second == stored
    assert AuditEntry.objects.filter(action="worker.exported", object_id=str(batch.pk)).count() == 2


def test_when_the_file_cannot_be_written_no_enrolment_is_sent(
    cast: Cast, programme: Programme, media: Path, monkeypatch: pytest.MonkeyPatch
):
    enrolments = _verified(programme, 2)

    def disk_full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", disk_full)
    with pytest.raises(OSError):
        bpjs_batch_create(actor=cast["verifikator"], programme=programme)

    assert {_status(e) for e in enrolments} == {Status.VERIFIED}
    assert not BpjsBatch.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["enrolment.sent", "bpjs.exported"]).exists()
    assert _files(media) == []


def test_when_the_transaction_fails_after_the_file_is_written_the_file_goes_too(
    cast: Cast, programme: Programme, media: Path, monkeypatch: pytest.MonkeyPatch
):
    enrolments = _verified(programme, 2)
    written: list[str] = []
    real_flush = bpjs._flush

    def flushed_then_refused(name: str) -> None:
        real_flush(name)
        written.append(name)

    def audit_refused(**kwargs: Any) -> None:
        assert _files(media) == written  # the file was on disk when the transaction failed
        raise RuntimeError("the database refused the audit entry")

    monkeypatch.setattr(bpjs, "_flush", flushed_then_refused)
    monkeypatch.setattr(bpjs, "audit_record", audit_refused)
    with pytest.raises(RuntimeError):
        bpjs_batch_create(actor=cast["verifikator"], programme=programme)

    assert written == [f"bpjs/{programme.pk}/batch-1.xlsx"]
    assert _files(media) == []
    assert {_status(e) for e in enrolments} == {Status.VERIFIED}
    assert not BpjsBatch.objects.exists()


def test_a_file_left_by_a_killed_process_is_removed_by_the_programmes_next_batch(
    cast: Cast, programme: Programme, media: Path
):
    orphan = media / f"bpjs/{programme.pk}/batch-1.xlsx"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half a batch that never committed")
    _verified(programme, 1)

    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)

    assert batch is not None and batch.file.name == f"bpjs/{programme.pk}/batch-1.xlsx"
    assert _files(media) == [batch.file.name]
    assert orphan.read_bytes() != b"half a batch that never committed"
    _verified(programme, 1)
    second = bpjs_batch_create(actor=cast["verifikator"], programme=programme)
    assert second is not None
    assert _files(media) == [batch.file.name, second.file.name]  # a committed batch's file stays


def test_nothing_waiting_writes_no_batch_and_no_file(cast: Cast, programme: Programme, media: Path):
    assert bpjs_batch_create(actor=cast["verifikator"], programme=programme) is None
    assert not BpjsBatch.objects.exists()
    assert _files(media) == []


@pytest.mark.usefixtures("english")
def test_a_damaged_or_missing_file_is_not_handed_out_nor_audited(cast: Cast, programme: Programme, media: Path):
    _verified(programme, 1)
    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)
    assert batch is not None
    path = Path(batch.file.path)
    path.write_bytes(path.read_bytes() + b"\0")

    with pytest.raises(BatchFileError, match="damaged"):
        _download(cast["petugas_bpjs"], batch)
    path.unlink()
    with pytest.raises(BatchFileError, match="cannot be read"):
        _download(cast["petugas_bpjs"], batch)
    assert not AuditEntry.objects.filter(action="worker.exported").exists()


def test_only_bpjs_staff_of_the_batchs_region_may_download_it(cast: Cast, programme: Programme, sambas_verifier: User):
    _verified(programme, 1)
    batch = bpjs_batch_create(actor=sambas_verifier, programme=programme)
    assert batch is not None and batch.region_code == "61.01"

    with pytest.raises(PermissionDenied):
        _download(cast["operator_sambas"], batch)
    with pytest.raises(Http404):
        _download(make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71"), batch)
    assert _download(cast["petugas_bpjs"], batch)  # the province's


def test_the_regions_of_earlier_batches_are_their_enrolments_narrowest_region(cast: Cast, programme: Programme):
    sambas = enrolment_send(actor=cast["verifikator"], enrolments=_verified(programme, 2))
    _verified(programme, 1)
    _verified(programme, 1, village=PONTIANAK_VILLAGE)
    both = enrolment_send(actor=cast["verifikator"], programme=programme)
    BpjsBatch.objects.update(region_code="")
    migration = importlib.import_module("lindung.enrolments.migrations.0005_bpjs_batch_file")

    migration.regions_stamp(apps, None)

    assert dict(BpjsBatch.objects.values_list("pk", "region_code")) == {sambas.pk: "61.01", both.pk: "61"}


# --- BPJS's answer to one batch ------------------------------------------------------------------


def _answer(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    lines = ["NIK,No KPJ,Status,Alasan,Tanggal Mulai", *(",".join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_answer_to_a_batch_applies_its_rows_and_refuses_a_worker_of_another_batch(
    cast: Cast, programme: Programme, tmp_path: Path
):
    first = enrolment_send(actor=cast["verifikator"], enrolments=_verified(programme, 2))
    other = _verified(programme, 1)[0]
    enrolment_send(actor=cast["verifikator"], enrolments=[other])
    ours = list(first.enrolments.select_related("worker").order_by("pk"))
    path = _answer(
        tmp_path / "jawaban.csv",
        [
            (ours[0].worker.nik, "26010000001", "diterima", "", "01/03/2026"),
            (other.worker.nik, "26010000002", "diterima", "", "01/03/2026"),
        ],
    )

    result = bpjs_result_import(actor=cast["petugas_bpjs"], path=path, batch=first)

    assert (result.rows, result.activated, result.error_rows) == (2, 1, 1)
    assert result.errors[0].row == 3 and "batch 1" in result.errors[0].message
    assert (_status(ours[0]), _status(ours[1]), _status(other)) == (Status.ACTIVE, Status.SENT, Status.SENT)


# --- the pages -----------------------------------------------------------------------------------


def _states(body: str) -> dict[int, str]:
    return {int(pk): state for pk, state in re.findall(r'data-batch="(\d+)"[^>]*data-state="(\w+)"', body)}


def test_the_list_shows_each_batch_sent_answered_in_part_or_answered(cast: Cast, programme: Programme):
    batches = [enrolment_send(actor=cast["verifikator"], enrolments=_verified(programme, 2)) for _ in range(3)]
    part = batches[1].enrolments.order_by("pk").first()
    assert part is not None
    Enrolment.objects.filter(pk=part.pk).update(status=Status.REJECTED, rejection_reason="NIK tidak cocok")
    batches[2].enrolments.update(status=Status.REJECTED, rejection_reason="NIK tidak cocok")

    response = client_for(cast["petugas_bpjs"]).get("/kepesertaan/bpjs/batch/")

    assert response.status_code == 200
    assert _states(response.content.decode()) == {
        batches[0].pk: "sent",
        batches[1].pk: "partial",
        batches[2].pk: "answered",
    }


def test_the_batch_page_downloads_by_post_only_and_a_get_writes_nothing(cast: Cast, programme: Programme):
    _verified(programme, 2)
    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)
    assert batch is not None
    client = strict_client_for(cast["petugas_bpjs"])
    url = f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/"

    page = client.get(url)

    assert page.status_code == 200 and 'data-testid="download-page"' in page.content.decode()
    assert not AuditEntry.objects.filter(action="worker.exported").exists()
    assert client.post(url).status_code == 403  # no CSRF token: a link from elsewhere downloads nothing
    detail = client.get(f"/kepesertaan/bpjs/batch/{batch.pk}/").content.decode()
    token = re.search(rf'action="{url}">\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', detail)
    assert token is not None
    first = client.post(url, {"csrfmiddlewaretoken": token[1]})
    second = client.post(url, {"csrfmiddlewaretoken": token[1]})
    assert first.status_code == second.status_code == 200 and first["Content-Type"] == XLSX
    assert first.content == second.content == batch.file.read()
    assert AuditEntry.objects.filter(action="worker.exported", actor=cast["petugas_bpjs"]).count() == 2


def test_the_batch_page_takes_bpjss_answer_to_that_batch(cast: Cast, programme: Programme):
    batch = enrolment_send(actor=cast["verifikator"], enrolments=_verified(programme, 2))
    enrolments = list(batch.enrolments.select_related("worker").order_by("pk"))
    content = (
        "NIK,No KPJ,Status,Alasan,Tanggal Mulai\n"
        f"{enrolments[0].worker.nik},26010000001,diterima,,01/03/2026\n"
        f"{enrolments[1].worker.nik},,ditolak,Data ganda,\n"
    ).encode()
    client = client_for(cast["petugas_bpjs"])
    assert 'data-testid="batch-answer"' in client.get(f"/kepesertaan/bpjs/batch/{batch.pk}/").content.decode()
    verifier_page = client_for(cast["verifikator"]).get(f"/kepesertaan/bpjs/batch/{batch.pk}/").content.decode()
    assert 'data-testid="batch-answer"' not in verifier_page

    response = client.post(
        f"/kepesertaan/bpjs/batch/{batch.pk}/jawaban/", {"file": SimpleUploadedFile("jawaban.csv", content)}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-activated="1"' in body and 'data-rejected="1"' in body
    assert 'data-state="answered"' in body
    assert [_status(e) for e in enrolments] == [Status.ACTIVE, Status.REJECTED]
    refused = client_for(cast["verifikator"]).post(
        f"/kepesertaan/bpjs/batch/{batch.pk}/jawaban/", {"file": SimpleUploadedFile("jawaban.csv", content)}
    )
    assert refused.status_code == 403


def test_after_sending_the_enrolment_list_no_longer_offers_the_sent_enrolments(cast: Cast, programme: Programme):
    _verified(programme, 2)
    client = client_for(cast["verifikator"])
    assert 'data-testid="send-KALBAR-2026"' in client.get("/kepesertaan/").content.decode()

    response = client.post("/kepesertaan/kirim/", {"programme": programme.pk}, follow=True)

    batch = BpjsBatch.objects.get()
    assert response.redirect_chain == [(f"/kepesertaan/bpjs/batch/{batch.pk}/", 302)]
    assert 'data-testid="batch-download"' in response.content.decode()
    assert 'data-testid="send-panel"' not in client.get("/kepesertaan/").content.decode()
    assert 'data-testid="nothing-waiting"' in client.get("/kepesertaan/bpjs/").content.decode()


def test_a_batch_sent_before_files_were_kept_is_listed_without_a_download(cast: Cast, programme: Programme):
    batch = enrolment_send(actor=cast["verifikator"], enrolments=_verified(programme, 1))
    client = client_for(cast["petugas_bpjs"])

    body = client.get("/kepesertaan/bpjs/batch/").content.decode()

    assert f'data-batch="{batch.pk}"' in body
    assert f'data-testid="download-{batch.pk}"' not in body
    assert client.post(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status_code == 404


# --- region scope ---------------------------------------------------------------------------------


def test_staff_of_one_regency_can_neither_list_open_download_nor_answer_anothers_batch(
    cast: Cast, programme: Programme, sambas_verifier: User
):
    sambas = _verified(programme, 1)
    batch = bpjs_batch_create(actor=sambas_verifier, programme=programme)
    assert batch is not None
    pontianak_user = make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71")
    _verified(programme, 1, village=PONTIANAK_VILLAGE)
    own = bpjs_batch_create(actor=pontianak_user, programme=programme)
    assert own is not None and own.region_code == "61.71"
    pontianak = client_for(pontianak_user)
    answer = SimpleUploadedFile(
        "jawaban.csv", f"NIK,No KPJ,Status,Alasan\n{sambas[0].worker.nik},,ditolak,x\n".encode()
    )

    listed = _states(pontianak.get("/kepesertaan/bpjs/batch/").content.decode())

    assert list(listed) == [own.pk]
    assert pontianak.get(f"/kepesertaan/bpjs/batch/{batch.pk}/").status_code == 404
    assert pontianak.get(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status_code == 404
    assert pontianak.post(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status_code == 404
    assert pontianak.post(f"/kepesertaan/bpjs/batch/{batch.pk}/jawaban/", {"file": answer}).status_code == 404
    assert _status(sambas[0]) == Status.SENT
    assert not AuditEntry.objects.filter(action="worker.exported").exists()
    # The province's staff see both; the Sambas verifier does not see Pontianak's; an operator sees no batch.
    assert set(_states(client_for(cast["petugas_bpjs"]).get("/kepesertaan/bpjs/batch/").content.decode())) == {
        batch.pk,
        own.pk,
    }
    assert list(_states(client_for(sambas_verifier).get("/kepesertaan/bpjs/batch/").content.decode())) == [batch.pk]
    operator = client_for(cast["operator_sambas"])
    assert operator.get("/kepesertaan/bpjs/batch/").status_code == 403
    assert operator.post(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status_code == 403


def test_a_regency_cannot_see_a_batch_the_province_sent(cast: Cast, programme: Programme, sambas_verifier: User):
    _verified(programme, 1)
    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)
    assert batch is not None and batch.region_code == "61"
    client = client_for(sambas_verifier)

    assert _states(client.get("/kepesertaan/bpjs/batch/").content.decode()) == {}
    assert client.post(f"/kepesertaan/bpjs/batch/{batch.pk}/unduh/").status_code == 404


def test_an_enrolment_links_to_its_batch_only_for_who_may_open_it(
    cast: Cast, programme: Programme, sambas_verifier: User
):
    (enrolment,) = _verified(programme, 1)
    batch = bpjs_batch_create(actor=cast["verifikator"], programme=programme)
    assert batch is not None
    link = f'href="/kepesertaan/bpjs/batch/{batch.pk}/"'

    assert link in client_for(cast["verifikator"]).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    # The province sent it: a regency's verifier sees the enrolment and the batch's number, not a link to a 404.
    page = client_for(sambas_verifier).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    assert 'data-testid="batch"' in page and link not in page
    # An operator may not open batches at all.
    page = client_for(cast["operator_sambas"]).get(f"/kepesertaan/{enrolment.pk}/").content.decode()
    assert 'data-testid="batch"' in page and link not in page


# --- the command line -----------------------------------------------------------------------------


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("bpjs", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_the_command_line_writes_a_kept_batch_again_byte_for_byte_within_the_users_region(
    cast: Cast, programme: Programme, tmp_path: Path
):
    _verified(programme, 2)
    _command("export", "--programme", "KALBAR-2026", "--out", str(tmp_path / "sent.xlsx"), "--as", "petugas_bpjs")
    batch = BpjsBatch.objects.get()
    make_user("bpjs_pontianak", Role.PETUGAS_BPJS, "61.71")
    again = ["download", "--programme", "KALBAR-2026", "--batch", "1"]

    message = _command(*again, "--out", str(tmp_path / "again.xlsx"), "--as", "petugas_bpjs")

    assert (tmp_path / "again.xlsx").read_bytes() == (tmp_path / "sent.xlsx").read_bytes() == batch.file.read()
    assert batch.sha256 in message
    with pytest.raises(CommandError, match="no batch 1 of programme KALBAR-2026 in your region"):
        _command(*again, "--out", str(tmp_path / "theirs.xlsx"), "--as", "bpjs_pontianak")
    with pytest.raises(CommandError, match="may not"):
        _command(*again, "--out", str(tmp_path / "theirs.xlsx"), "--as", "operator_sambas")
    assert not (tmp_path / "theirs.xlsx").exists()
    assert AuditEntry.objects.filter(action="worker.exported", object_id=str(batch.pk)).count() == 2
