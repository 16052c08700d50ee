"""The breach register (issue 19, item 5): recording and the 3×24-hour clock, finding the people affected by each
criterion from the audit log, region scope, the letters (per village, per person) and the authority's report, the
pages and the command line. Both databases."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zlib
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.utils import timezone

from lindung.accounts.models import Role, User
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.enrolments.bpjs import bpjs_batch_create, bpjs_batch_download
from lindung.enrolments.models import Status
from lindung.errors import RefusedStep
from lindung.pdp import clock
from lindung.pdp.breach import (
    DUE_SOON,
    Criteria,
    breach_authority_notified,
    breach_clock,
    breach_close,
    breach_counts_by_regency,
    breach_counts_by_village,
    breach_people_find,
    breach_record,
    breaches_visible,
)
from lindung.pdp.letters import (
    breach_letters_request,
    breach_letters_write,
    breach_person_letter,
    breach_report_pdf,
    breach_village_letters,
    letters_html,
    village_file_name,
)
from lindung.pdp.models import Breach, BreachAffected, BreachStatus, DataKind, LettersStatus
from lindung.programmes.models import Programme
from lindung.regions.models import Region
from lindung.reports.tests.conftest import pdf_pages_text
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_user,
    make_worker,
)
from lindung.workers.models import Worker
from lindung.workers.services import worker_export_record, worker_nik_view

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _storage(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def other_sambas_village(db: None) -> str:
    code = (
        Region.objects.filter(level=4, code__startswith="61.01.")
        .exclude(code=SAMBAS_VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    assert code is not None
    return code


def _record(actor: User, *, found_at: dt.datetime | None = None, **fields: Any) -> Breach:
    values: dict[str, Any] = {
        "what": "Akun operator dipakai orang lain dan daftar pekerja diunduh.",
        "how": "Kata sandi operator bocor lewat pesan berantai.",
        "found_at": found_at or timezone.now() - HOUR,
        "systems": "Lindung (web)",
        "data_kinds": [DataKind.IDENTITY, DataKind.CONTACT],
        "remedy": "Kata sandi diganti dan akun dikunci. Waspadai penipuan yang mengatasnamakan program.",
        "contact": "Pejabat PDP, Disnakertrans Kalbar, telp. 0561-000000",
    }
    values.update(fields)
    return breach_record(actor=actor, **values)


def _affected_ids(breach: Breach) -> set[int]:
    return set(BreachAffected.objects.filter(breach=breach).values_list("worker_id", flat=True))


# --- recording and the clock -----------------------------------------------------------------------------------------


def test_recording_an_incident_starts_its_clock_at_the_moment_found_and_is_audited(cast: Cast) -> None:
    found = timezone.now() - 5 * HOUR
    breach = _record(cast["pejabat_pdp"], found_at=found)
    assert breach.due_at == clock.due_at(found) == found + 72 * HOUR
    assert breach.status == BreachStatus.RECORDED and breach.region_code == "61"
    entry = AuditEntry.objects.get(action="pdp.breach_recorded")
    assert entry.actor_username == "pejabat_pdp" and entry.object_id == str(breach.pk)


def test_an_incident_without_what_kinds_or_contact_is_refused_field_by_field(cast: Cast) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(cast["pejabat_pdp"], what=" ", data_kinds=[], contact="", found_at=timezone.now() + 2 * HOUR)
    assert set(refused.value.message_dict) == {"what", "data_kinds", "contact", "found_at"}
    with pytest.raises(ValidationError):
        _record(cast["pejabat_pdp"], data_kinds=["identity", "shoe_size"])
    assert not Breach.objects.exists()


def test_only_the_officer_records_incidents(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        _record(cast["operator_sambas"])


@pytest.mark.parametrize(
    ("found_hours_ago", "state"),
    [(1, "running"), (72 - 23, "due_soon"), (73, "overdue")],
)
def test_the_clock_warns_a_day_before_and_after_the_deadline(cast: Cast, found_hours_ago: int, state: str) -> None:
    now = timezone.now()
    breach = _record(cast["pejabat_pdp"], found_at=now - found_hours_ago * HOUR, now=now)
    shown = breach_clock(breach, now=now)
    assert shown.state == state
    assert shown.warns == (state != "running")
    assert DUE_SOON == 24 * HOUR


def test_the_clock_stops_at_the_notice_to_the_authority_in_time_or_late(cast: Cast) -> None:
    breach = _record(cast["pejabat_pdp"], found_at=timezone.now() - 80 * HOUR)
    breach.authority_notified_at = breach.found_at + 70 * HOUR
    assert breach_clock(breach).state == "met"
    breach.authority_notified_at = breach.found_at + 75 * HOUR
    assert breach_clock(breach).state == "late"


def test_the_database_refuses_a_deadline_before_the_moment_found(cast: Cast) -> None:
    from django.db import IntegrityError, transaction

    breach = _record(cast["pejabat_pdp"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Breach.objects.filter(pk=breach.pk).update(due_at=breach.found_at - HOUR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Breach.objects.filter(pk=breach.pk).update(status=BreachStatus.CLOSED)  # closed without when nor why


# --- finding the people ----------------------------------------------------------------------------------------------


def test_by_region_the_workers_of_the_region_are_found_and_not_the_anonymised(cast: Cast) -> None:
    sambas = [make_worker(village=SAMBAS_VILLAGE) for _ in range(3)]
    make_worker(village=PONTIANAK_VILLAGE)
    gone = make_worker(village=SAMBAS_VILLAGE)
    Worker.objects.filter(pk=gone.pk).update(anonymised_on=timezone.localdate())
    breach = breach_people_find(
        actor=cast["pejabat_pdp"], breach=_record(cast["pejabat_pdp"]), criteria=Criteria(region="61.01")
    )
    assert _affected_ids(breach) == {w.pk for w in sambas}
    assert breach.affected_count == 3 and breach.status == BreachStatus.PEOPLE_FOUND
    row = BreachAffected.objects.filter(breach=breach).first()
    assert row is not None and (row.province_code, row.regency_code, row.village_id) == ("61", "61.01", SAMBAS_VILLAGE)
    entry = AuditEntry.objects.get(action="pdp.breach_people_found")
    assert entry.changes["count"] == [None, 3] and entry.changes["criteria"][1]["region"] == "61.01"


def test_by_window_the_records_viewed_whole_or_changed_in_it_are_found(cast: Cast, programme: Programme) -> None:
    officer, operator = cast["pejabat_pdp"], cast["operator_sambas"]
    viewed, changed, enrolled, earlier, untouched = (make_worker() for _ in range(5))
    # A view before the window counts for nobody.
    old = audit_record(actor=operator, action="worker.nik_viewed", obj=earlier, region_code=earlier.village_id)
    start = old.at + dt.timedelta(microseconds=1)
    worker_nik_view(actor=operator, worker=viewed)
    audit_record(actor=operator, action="worker.changed", obj=changed, region_code=changed.village_id)
    enrolment = make_enrolment(enrolled, programme, Status.PROPOSED)
    audit_record(actor=operator, action="enrolment.proposed", obj=enrolment, region_code=enrolled.village_id)
    # The system's own run in the window counts for nobody either.
    audit_record(actor=None, action="enrolment.lapsed", obj=untouched, region_code=untouched.village_id)
    breach = breach_people_find(
        actor=officer,
        breach=_record(officer),
        criteria=Criteria(window_from=start, window_to=timezone.now() + HOUR),
    )
    assert _affected_ids(breach) == {viewed.pk, changed.pk, enrolled.pk}


def test_by_window_and_region_only_the_regions_records_are_found(cast: Cast) -> None:
    officer, admin = cast["pejabat_pdp"], cast["admin_provinsi"]
    sambas, pontianak = make_worker(village=SAMBAS_VILLAGE), make_worker(village=PONTIANAK_VILLAGE)
    for worker in (sambas, pontianak):
        worker_nik_view(actor=admin, worker=worker)
    window = Criteria(region="61.71", window_from=timezone.now() - HOUR, window_to=timezone.now() + HOUR)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=window)
    assert _affected_ids(breach) == {pontianak.pk}


def test_by_user_what_that_account_viewed_changed_or_exported(cast: Cast) -> None:
    officer, sambas, pontianak = cast["pejabat_pdp"], cast["operator_sambas"], cast["operator_pontianak"]
    seen_by_sambas = make_worker(village=SAMBAS_VILLAGE, name="Agus Salim")
    seen_by_pontianak = make_worker(village=PONTIANAK_VILLAGE)
    worker_nik_view(actor=sambas, worker=seen_by_sambas)
    worker_nik_view(actor=pontianak, worker=seen_by_pontianak)
    breach = breach_people_find(
        actor=officer, breach=_record(officer), criteria=Criteria(username="operator_pontianak")
    )
    assert _affected_ids(breach) == {seen_by_pontianak.pk}
    # The same search again replaces the set: never twice the same person.
    breach = breach_people_find(actor=officer, breach=breach, criteria=Criteria(username="operator_pontianak"))
    assert breach.affected_count == 1


def test_by_export_a_worker_list_is_found_again_by_its_filter_among_the_workers_registered_by_then(
    cast: Cast, other_sambas_village: str
) -> None:
    officer, operator = cast["pejabat_pdp"], cast["operator_sambas"]
    listed = [make_worker(village=SAMBAS_VILLAGE), make_worker(village=other_sambas_village)]
    make_worker(village=PONTIANAK_VILLAGE)  # outside the exporter's region
    worker_export_record(actor=operator, filters={"q": "", "regency": "", "category": "", "status": ""}, row_count=2)
    export = AuditEntry.objects.get(action="worker.exported")
    later = make_worker(village=SAMBAS_VILLAGE)
    Worker.objects.filter(pk=later.pk).update(created_at=export.at + HOUR)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(export=export))
    assert _affected_ids(breach) == {w.pk for w in listed}
    assert "ditemukan kembali dengan filternya" in breach.affected_note


def test_by_export_a_bpjs_batch_download_names_its_enrolments_workers_exactly(cast: Cast, programme: Programme) -> None:
    officer, verifier = cast["pejabat_pdp"], cast["verifikator"]
    sent = [make_worker() for _ in range(2)]
    for worker in sent:
        make_enrolment(worker, programme, Status.VERIFIED)
    make_enrolment(make_worker(), programme, Status.PROPOSED)  # not in the batch
    batch = bpjs_batch_create(actor=verifier, programme=programme)
    assert batch is not None
    bpjs_batch_download(actor=verifier, batch=batch, out=io.BytesIO())
    download = AuditEntry.objects.get(action="worker.exported")
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(export=download))
    assert _affected_ids(breach) == {w.pk for w in sent} and breach.affected_note == ""


def test_by_export_an_uploads_error_file_finds_nobody_and_says_why(cast: Cast) -> None:
    officer = cast["pejabat_pdp"]
    make_worker()
    entry = audit_record(
        actor=cast["operator_sambas"],
        action="worker.exported",
        region_code="61.01",
        changes={"import_errors": [None, 7], "rows": [None, 3]},
    )
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(export=entry))
    assert breach.affected_count == 0
    assert "tidak pernah masuk ke registri" in breach.affected_note


def test_a_search_without_criteria_or_with_a_half_window_is_refused(cast: Cast) -> None:
    officer = cast["pejabat_pdp"]
    breach = _record(officer)
    with pytest.raises(RefusedStep):
        breach_people_find(actor=officer, breach=breach, criteria=Criteria())
    with pytest.raises(RefusedStep):
        breach_people_find(actor=officer, breach=breach, criteria=Criteria(window_from=timezone.now()))
    entry = audit_record(actor=officer, action="worker.nik_viewed", region_code="61")
    with pytest.raises(RefusedStep):
        breach_people_find(actor=officer, breach=breach, criteria=Criteria(export=entry))


def test_finding_is_set_based_the_same_statements_for_ten_people_as_for_one(cast: Cast, programme: Programme) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer, operator = cast["pejabat_pdp"], cast["operator_sambas"]

    def statements(people: int) -> int:
        for _ in range(people):
            worker_nik_view(actor=operator, worker=make_worker())
        breach = _record(officer)
        with CaptureQueriesContext(connection) as queries:
            found = breach_people_find(actor=officer, breach=breach, criteria=Criteria(username="operator_sambas"))
        assert found.affected_count == BreachAffected.objects.filter(breach=found).count() > 0
        return len(queries)

    assert statements(1) == statements(10)


# --- region scope ----------------------------------------------------------------------------------------------------


@pytest.fixture
def sambas_officer(db: None) -> User:
    return make_user("pejabat_sambas", Role.PEJABAT_PELINDUNGAN_DATA, "61.01")


def test_a_regency_officer_reads_only_its_regencys_people_of_a_province_incident_and_cannot_act_on_it(
    cast: Cast, sambas_officer: User
) -> None:
    officer = cast["pejabat_pdp"]
    make_worker(village=SAMBAS_VILLAGE)
    make_worker(village=PONTIANAK_VILLAGE)
    make_worker(village=PONTIANAK_VILLAGE)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61"))
    assert breach.affected_count == 3
    assert breaches_visible(sambas_officer).filter(pk=breach.pk).exists()
    assert [row.count for row in breach_counts_by_village(sambas_officer, breach)] == [1]
    assert [code for code, _name, _count in breach_counts_by_regency(sambas_officer, breach)] == ["61.01"]
    assert sum(count for _c, _n, count in breach_counts_by_regency(officer, breach)) == 3
    with pytest.raises(PermissionDenied):
        breach_people_find(actor=sambas_officer, breach=breach, criteria=Criteria(region="61.01"))


def test_a_regency_officers_incident_reaches_only_its_regency_and_is_not_seen_by_another(
    cast: Cast, sambas_officer: User
) -> None:
    make_worker(village=SAMBAS_VILLAGE)
    make_worker(village=PONTIANAK_VILLAGE)
    breach = _record(sambas_officer)
    with pytest.raises(RefusedStep):
        breach_people_find(actor=sambas_officer, breach=breach, criteria=Criteria(region="61.71"))
    start = timezone.now() - HOUR
    for worker in Worker.objects.all():
        worker_nik_view(actor=cast["admin_provinsi"], worker=worker)
    found = breach_people_find(
        actor=sambas_officer, breach=breach, criteria=Criteria(window_from=start, window_to=timezone.now() + HOUR)
    )
    assert {row.regency_code for row in BreachAffected.objects.filter(breach=found)} == {"61.01"}
    pontianak_officer = make_user("pejabat_pontianak", Role.PEJABAT_PELINDUNGAN_DATA, "61.71")
    assert not breaches_visible(pontianak_officer).exists()
    assert client_for(pontianak_officer).get(f"/pdp/insiden/{breach.pk}/").status_code == 404


# --- the letters and the report ----------------------------------------------------------------------------------


def _pdf_pages(content: bytes) -> int:
    """The pages of a PDF: its page objects, counted in the file and in its compressed object streams (pypdf is
    not a dependency)."""
    parts = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", part)) for part in parts)


def test_letters_are_written_one_file_per_village_holding_that_villages_letters(
    cast: Cast, other_sambas_village: str, django_capture_on_commit_callbacks: Any
) -> None:
    officer = cast["pejabat_pdp"]
    here = [make_worker(village=SAMBAS_VILLAGE, name=name) for name in ("Budi Santoso", "Siti Aminah")]
    there = make_worker(village=other_sambas_village, name="Rahmat Hidayat")
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61.01"))
    with django_capture_on_commit_callbacks(execute=True):  # the immediate backend runs the task at commit
        breach_letters_request(actor=officer, breach=breach)
    breach.refresh_from_db()
    assert (breach.letters_status, breach.status) == (LettersStatus.DONE, BreachStatus.LETTERS_PRODUCED)
    assert breach.letters_done_at is not None
    name, count = breach_village_letters(actor=officer, breach=breach, village=SAMBAS_VILLAGE)
    content = default_storage.open(name, "rb").read()
    assert content.startswith(b"%PDF") and count == 2 and _pdf_pages(content) == 2
    other = default_storage.open(village_file_name(breach, other_sambas_village), "rb").read()
    assert _pdf_pages(other) == 1
    # What the village's file is made from: its people's letters, one a page, nobody else's.
    affected = BreachAffected.objects.filter(breach=breach, village_id=SAMBAS_VILLAGE)
    from lindung.pdp.letters import _letters_of

    pages = pdf_pages_text(letters_html(breach, _letters_of(breach, affected)))
    assert len(pages) == 2
    assert {w.name for w in here} == {w.name for w in here if any(w.name in page for page in pages)}
    assert not any(there.name in page for page in pages)
    assert all("Pemberitahuan" in page and "Identitas" in page for page in pages)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"pdp.breach_letters_requested", "pdp.breach_letters_produced", "pdp.breach_letters_exported"} <= actions


def test_a_large_villages_letters_are_split_into_parts_each_holding_its_share(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lindung.pdp import letters

    monkeypatch.setattr(letters, "LETTERS_PER_FILE", 2)
    officer = cast["pejabat_pdp"]
    for _ in range(3):
        make_worker(village=SAMBAS_VILLAGE)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region=SAMBAS_VILLAGE))
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    breach_letters_write(breach_id=breach.pk)
    breach.refresh_from_db()
    first, count_first = breach_village_letters(actor=officer, breach=breach, village=SAMBAS_VILLAGE, part=1)
    second, count_second = breach_village_letters(actor=officer, breach=breach, village=SAMBAS_VILLAGE, part=2)
    assert (count_first, count_second) == (2, 1)
    assert [_pdf_pages(default_storage.open(name, "rb").read()) for name in (first, second)] == [2, 1]
    with pytest.raises(Http404):
        breach_village_letters(actor=officer, breach=breach, village=SAMBAS_VILLAGE, part=3)
    shown = client_for(officer).get(f"/pdp/insiden/{breach.pk}/").content.decode()
    assert shown.count('data-testid="village-letters"') == 2


def test_letters_are_made_once_and_a_second_delivery_of_the_job_does_nothing(cast: Cast) -> None:
    officer = cast["pejabat_pdp"]
    make_worker()
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61.01"))
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    assert breach_letters_write(breach_id=breach.pk) is True
    assert breach_letters_write(breach_id=breach.pk) is False
    with pytest.raises(RefusedStep):
        breach_letters_request(actor=officer, breach=Breach.objects.get(pk=breach.pk))
    with pytest.raises(RefusedStep):
        breach_people_find(actor=officer, breach=Breach.objects.get(pk=breach.pk), criteria=Criteria(region="61"))


def test_a_failed_letters_run_leaves_no_file_and_can_be_asked_again(
    cast: Cast, other_sambas_village: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lindung.pdp import letters

    officer = cast["pejabat_pdp"]
    make_worker(village=SAMBAS_VILLAGE)
    make_worker(village=other_sambas_village)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61.01"))
    real = letters._pdf_write
    calls: list[int] = []

    def second_fails(html: str, out: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        real(html, out)

    monkeypatch.setattr(letters, "_pdf_write", second_fails)
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    with pytest.raises(OSError):
        breach_letters_write(breach_id=breach.pk)
    breach.refresh_from_db()
    assert (breach.letters_status, breach.status) == (LettersStatus.FAILED, BreachStatus.PEOPLE_FOUND)
    assert not default_storage.listdir(f"pdp/insiden/{breach.pk}")[1]
    monkeypatch.setattr(letters, "_pdf_write", real)
    breach_letters_request(actor=officer, breach=breach, enqueue=False)
    assert breach_letters_write(breach_id=breach.pk)
    assert len(default_storage.listdir(f"pdp/insiden/{breach.pk}")[1]) == 2


def test_letters_whose_job_died_or_was_abandoned_can_be_asked_for_again(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from lindung.worker.housekeeping import tasks_abandoned, worker_starting

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    officer = cast["pejabat_pdp"]
    make_worker()
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61.01"))
    with django_capture_on_commit_callbacks(execute=True):
        breach_letters_request(actor=officer, breach=breach)
    breach.refresh_from_db()
    assert breach.letters_status == LettersStatus.QUEUED and breach.letters_task_id
    # The worker claimed it, then died: the queue marks the task failed, the worker's start tidies the incident.
    Breach.objects.filter(pk=breach.pk).update(letters_status=LettersStatus.RUNNING)
    worker_starting.send(sender=None, now=timezone.now())
    assert Breach.objects.get(pk=breach.pk).letters_status == LettersStatus.RUNNING  # its task still runs
    DBTaskResult.objects.filter(id=breach.letters_task_id).update(status=TaskResultStatus.FAILED)
    worker_starting.send(sender=None, now=timezone.now())
    assert Breach.objects.get(pk=breach.pk).letters_status == LettersStatus.FAILED
    # Asked again; this time its stopping worker abandons it.
    with django_capture_on_commit_callbacks(execute=True):
        breach_letters_request(actor=officer, breach=Breach.objects.get(pk=breach.pk))
    task_id = Breach.objects.get(pk=breach.pk).letters_task_id
    tasks_abandoned.send(sender=None, task_ids=[task_id])
    assert Breach.objects.get(pk=breach.pk).letters_status == LettersStatus.FAILED


def test_one_persons_letter_by_nik_is_audited_and_a_nik_outside_the_set_is_refused(cast: Cast) -> None:
    officer = cast["pejabat_pdp"]
    inside, outside = make_worker(village=SAMBAS_VILLAGE), make_worker(village=PONTIANAK_VILLAGE)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61.01"))
    worker, pdf = breach_person_letter(actor=officer, breach=breach, nik=inside.nik)
    assert worker == inside and pdf.startswith(b"%PDF") and _pdf_pages(pdf) == 1
    assert AuditEntry.objects.filter(action="pdp.breach_letter_exported", object_id=str(inside.pk)).exists()
    with pytest.raises(RefusedStep):
        breach_person_letter(actor=officer, breach=breach, nik=outside.nik)


def test_the_authority_report_counts_by_region_within_the_readers_region(cast: Cast, sambas_officer: User) -> None:
    officer = cast["pejabat_pdp"]
    make_worker(village=SAMBAS_VILLAGE)
    make_worker(village=PONTIANAK_VILLAGE)
    breach = breach_people_find(actor=officer, breach=_record(officer), criteria=Criteria(region="61"))
    assert breach_report_pdf(actor=officer, breach=breach).startswith(b"%PDF")
    entries = AuditEntry.objects.filter(action="pdp.breach_report_exported")
    assert entries.get().changes["count"] == [None, 2]
    breach_report_pdf(actor=sambas_officer, breach=breach)
    assert entries.get(actor_username="pejabat_sambas").changes["count"] == [None, 1]
    with pytest.raises(Http404):
        breach_village_letters(actor=sambas_officer, breach=breach, village=PONTIANAK_VILLAGE)


# --- the whole flow through the pages ----------------------------------------------------------------------------


def test_the_whole_flow_through_the_pages(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    officer = cast["pejabat_pdp"]
    workers = [make_worker(village=SAMBAS_VILLAGE) for _ in range(2)]
    browser = client_for(officer, "id")
    assert browser.get("/pdp/insiden/").status_code == 200
    found = timezone.localtime() - 3 * HOUR
    page = browser.post(
        "/pdp/insiden/baru/",
        {
            "what": "Daftar pekerja terkirim ke grup percakapan yang salah.",
            "found_at": found.strftime("%Y-%m-%dT%H:%M"),
            "systems": "Lindung",
            "data_kinds": ["identity", "birth"],
            "remedy": "Pesan dihapus dan penerima diminta menghapus.",
            "contact": "Pejabat PDP, 0561-000000",
        },
    )
    assert page.status_code == 302
    breach = Breach.objects.get()
    detail = f"/pdp/insiden/{breach.pk}/"
    shown = browser.get(detail).content.decode()
    assert "Identitas" in shown and 'data-clock="running"' in shown
    assert browser.post(f"{detail}terdampak/", {"region": "61.01"}).status_code == 302
    shown = browser.get(detail).content.decode()
    assert f'data-village="{SAMBAS_VILLAGE}"' in shown and "2 orang terdampak" in shown
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(f"{detail}surat/").status_code == 302
    breach.refresh_from_db()
    assert breach.status == BreachStatus.LETTERS_PRODUCED
    # A GET of a download writes nothing; the POST hands the file out.
    before = AuditEntry.objects.count()
    assert browser.get(f"{detail}laporan/").status_code == 200
    assert AuditEntry.objects.count() == before
    report = browser.post(f"{detail}laporan/")
    assert report["Content-Type"] == "application/pdf" and report.content.startswith(b"%PDF")
    village = browser.post(f"{detail}surat/desa/", {"village": SAMBAS_VILLAGE})
    assert b"".join(village.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    person = browser.post(f"{detail}surat/orang/", {"nik": workers[0].nik})
    assert person.content.startswith(b"%PDF")
    assert browser.post(f"{detail}surat/orang/", {"nik": "123"}).status_code == 422
    notified = browser.post(
        f"{detail}dilaporkan/", {"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "reference": "LPDP/1"}
    )
    assert notified.status_code == 302
    assert browser.post(f"{detail}tutup/", {"note": "Selesai."}).status_code == 302
    breach.refresh_from_db()
    assert breach.status == BreachStatus.CLOSED and breach_clock(breach).state == "met"
    steps = list(
        AuditEntry.objects.filter(object_type="pdp.breach", object_id=str(breach.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert steps == [
        "pdp.breach_recorded",
        "pdp.breach_people_found",
        "pdp.breach_letters_requested",
        "pdp.breach_letters_produced",
        "pdp.breach_report_exported",
        "pdp.breach_letters_exported",
        "pdp.breach_authority_notified",
        "pdp.breach_closed",
    ]


def test_the_pages_refuse_those_without_the_duty_and_show_the_overdue_warning(cast: Cast) -> None:
    officer = cast["pejabat_pdp"]
    breach = _record(officer, found_at=timezone.now() - 80 * HOUR)
    assert client_for(cast["operator_sambas"]).get("/pdp/insiden/").status_code == 403
    assert client_for(cast["operator_sambas"]).get(f"/pdp/insiden/{breach.pk}/").status_code == 403
    shown = client_for(officer, "en").get(f"/pdp/insiden/{breach.pk}/").content.decode()
    assert 'data-testid="clock-warning"' in shown and 'data-clock="overdue"' in shown and "Overdue" in shown


def test_the_notice_to_the_authority_waits_for_the_letters_and_a_false_alarm_is_closed_with_a_reason(
    cast: Cast,
) -> None:
    officer = cast["pejabat_pdp"]
    breach = _record(officer)
    with pytest.raises(RefusedStep):
        breach_authority_notified(actor=officer, breach=breach, at=timezone.now(), reference="")
    with pytest.raises(RefusedStep):
        breach_close(actor=officer, breach=breach, note=" ")
    closed = breach_close(actor=officer, breach=breach, note="Bukan insiden: berkas uji.")
    assert closed.status == BreachStatus.CLOSED and breach_clock(closed).state == "closed"


# --- the command line ------------------------------------------------------------------------------------------------


def test_the_command_finds_the_people_of_a_window_writes_their_letters_and_audits_as_the_user(
    cast: Cast, other_sambas_village: str
) -> None:
    officer = cast["pejabat_pdp"]
    viewed = [make_worker(village=SAMBAS_VILLAGE), make_worker(village=other_sambas_village)]
    elsewhere = make_worker(village=PONTIANAK_VILLAGE)
    for worker in [*viewed, elsewhere]:
        worker_nik_view(actor=cast["admin_provinsi"], worker=worker)
    breach = _record(officer)
    start, end = (timezone.localtime() - HOUR).isoformat(), (timezone.localtime() + HOUR).isoformat()
    out = StringIO()
    call_command(
        "pdp", "breach", "affected", "--from", start, "--to", end, "--region", "61.01", "--as", "pejabat_pdp",
        "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert result["count"] == 2 and result["breach"] == breach.pk and result["villages"] == 2
    folder = Path(result["letters"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"surat-{w.village_id}-001.pdf" for w in viewed)
    assert all(p.read_bytes().startswith(b"%PDF") for p in folder.iterdir())
    assert AuditEntry.objects.filter(action="pdp.breach_people_found", actor_username="pejabat_pdp").exists()
    assert AuditEntry.objects.filter(action="pdp.breach_letters_produced", actor_username="pejabat_pdp").exists()


def test_the_command_says_who_and_which_incident_it_needs(cast: Cast) -> None:
    args = ["pdp", "breach", "affected", "--from", "2026-12-01", "--to", "2026-12-02"]
    with pytest.raises(CommandError, match="--as"):
        call_command(*args, stdout=StringIO())
    with pytest.raises(CommandError, match="--breach"):
        call_command(*args, "--as", "pejabat_pdp", stdout=StringIO())
    breach = _record(cast["pejabat_pdp"])
    with pytest.raises(CommandError):
        call_command(*args, "--as", "operator_sambas", "--breach", str(breach.pk), stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("pdp", "breach", "affected", "--from", "kemarin", "--to", "x", "--as", "pejabat_pdp")
    out = StringIO()
    call_command(*args, "--as", "pejabat_pdp", "--lang", "en", stdout=out)
    assert f"Incident #{breach.pk}: 0 people affected." in out.getvalue()


def test_a_regency_officer_cannot_name_another_regencys_export_and_learns_nothing_of_it(sambas_officer: User) -> None:
    pontianak_operator = make_user("operator_ptk", Role.OPERATOR_KABUPATEN, "61.71")
    filters = {"q": "", "regency": "", "category": "", "status": ""}
    worker_export_record(actor=pontianak_operator, filters=filters, row_count=1)
    theirs = AuditEntry.objects.get(actor=pontianak_operator)
    breach = _record(sambas_officer)
    answer = client_for(sambas_officer, language="en").post(
        f"/pdp/insiden/{breach.pk}/terdampak/", {"export": theirs.pk}
    )
    assert answer.status_code == 422
    assert "There is no audit entry with this number." in answer.content.decode()
    breach.refresh_from_db()
    assert breach.affected_export_id is None and breach.affected_count == 0
