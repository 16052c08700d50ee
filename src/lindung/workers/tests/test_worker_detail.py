from __future__ import annotations

import datetime as dt

import pytest

from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Status
from lindung.testing import client_for, make_enrolment, make_programme, make_worker
from lindung.workers.models import Heir
from lindung.workers.services import worker_edit, worker_register
from lindung.workers.tests.conftest import form_post, registration

pytestmark = pytest.mark.django_db


def test_the_detail_page_masks_the_nik_and_hides_the_birth_date_until_asked(cast):
    worker = make_worker(birth_date=dt.date(1980, 5, 17))
    page = client_for(cast["operator_sambas"]).get(f"/pekerja/{worker.pk}/").content.decode()
    assert f"{worker.nik[:4]}******{worker.nik[-6:]}" in page
    assert worker.nik not in page
    assert "17 May 1980" not in page
    assert 'data-testid="show-nik"' in page
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_showing_the_whole_nik_shows_the_birth_date_and_is_audited(cast):
    worker = make_worker(birth_date=dt.date(1980, 5, 17))
    client = client_for(cast["verifikator"])
    page = client.post(f"/pekerja/{worker.pk}/nik/").content.decode()
    assert f'<code data-testid="nik">{worker.nik}</code>' in page
    assert "17 May 1980" in page
    entry = AuditEntry.objects.get(action="worker.nik_viewed")
    assert (entry.actor_username, entry.object_id) == ("verifikator", str(worker.pk))
    # A GET (a link, a prefetch, a crawler) never shows it.
    assert client.get(f"/pekerja/{worker.pk}/nik/").status_code == 405


def test_the_detail_page_shows_heirs_enrolments_and_history_newest_first(cast):
    worker = worker_register(
        actor=cast["operator_sambas"],
        data=registration(),
        heirs=[{"name": "Siti", "relation": "pasangan", "nik": "", "phone": ""}],
    )
    make_enrolment(worker, make_programme(), Status.ACTIVE, kpj="12345678901")
    client = client_for(cast["verifikator"])
    client.post(f"/pekerja/{worker.pk}/nik/")
    page = client.get(f"/pekerja/{worker.pk}/").content.decode()
    assert "Siti" in page.split('data-testid="heirs"')[1]
    enrolments = page.split('data-testid="enrolments"')[1].split("</table>")[0]
    assert "KALBAR-2026" in enrolments and "12345678901" in enrolments and "Active" in enrolments
    history = page.split('data-testid="history"')[1].split("</table>")[0]
    assert history.index('data-action="worker.nik_viewed"') < history.index('data-action="worker.registered"')
    assert "Whole NIK viewed" in history


def test_editing_a_worker_records_each_changed_field_before_and_after(cast):
    worker = make_worker(name="Budi", address="Jl. Lama")
    data = registration(nik=worker.nik, name="Budi Santoso", address="Jl. Baru", birth_date=worker.birth_date)
    data["occupation"] = worker.occupation
    worker_edit(actor=cast["operator_sambas"], worker=worker, data=data, heirs=[])
    worker.refresh_from_db()
    assert (worker.name, worker.address) == ("Budi Santoso", "Jl. Baru")
    entry = AuditEntry.objects.get(action="worker.changed")
    assert entry.changes["name"] == ["Budi", "Budi Santoso"]
    assert entry.changes["address"] == ["Jl. Lama", "Jl. Baru"]
    assert "nik" not in entry.changes and "birth_place" not in entry.changes


def test_an_edit_that_changes_nothing_writes_no_audit_entry(cast):
    worker = make_worker()
    data = {field: getattr(worker, field) for field in registration()}
    worker_edit(actor=cast["operator_sambas"], worker=worker, data=data, heirs=[])
    assert not AuditEntry.objects.filter(action="worker.changed").exists()


def test_the_edit_form_does_not_change_the_nik_and_replaces_the_heirs(cast):
    worker = make_worker(name="Budi")
    Heir.objects.create(worker=worker, name="Lama", relation="anak")
    post = form_post(
        registration(nik="6171010101900001", name="Budi Baru", birth_date=worker.birth_date),
        heirs=[{"name": "Baru", "relation": "pasangan", "nik": "", "phone": ""}],
    )
    response = client_for(cast["operator_sambas"]).post(f"/pekerja/{worker.pk}/ubah/", post)
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.name == "Budi Baru"
    assert worker.nik != "6171010101900001"
    assert list(worker.heirs.values_list("name", flat=True)) == ["Baru"]
    assert AuditEntry.objects.get(action="worker.changed").changes["heirs"][0][0]["name"] == "Lama"


def test_an_edit_may_not_move_a_worker_outside_the_operator_s_region(cast):
    worker = make_worker()
    post = form_post(registration(village="61.71.01.1002", birth_date=worker.birth_date))
    page = client_for(cast["operator_sambas"]).post(f"/pekerja/{worker.pk}/ubah/", post)
    assert page.status_code == 200
    worker.refresh_from_db()
    assert worker.village_id == "61.01.01.2001"


def test_the_edit_form_opens_filled_in(cast):
    worker = make_worker(name="Budi Terisi")
    Heir.objects.create(worker=worker, name="Ahli Waris", relation="anak")
    page = client_for(cast["operator_sambas"]).get(f"/pekerja/{worker.pk}/ubah/").content.decode()
    assert 'value="Budi Terisi"' in page
    assert 'value="Ahli Waris"' in page
    assert f'value="{worker.village_id}" selected' in page
    assert 'name="nik"' not in page
