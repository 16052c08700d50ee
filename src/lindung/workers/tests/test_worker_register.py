from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from lindung.audit.models import AuditEntry
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, client_for, make_nik
from lindung.workers.models import Heir, OccupationCategory, Worker
from lindung.workers.services import worker_register
from lindung.workers.tests.conftest import BIRTH, form_post, registration

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 26)


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_an_operator_registers_a_worker_with_heirs_and_the_registration_is_audited(cast):
    data = registration(kk_number="6101012345678901")
    heir_nik = make_nik(birth_date=dt.date(1985, 1, 2), sex="P")
    worker = worker_register(
        actor=cast["operator_sambas"],
        data=data,
        heirs=[{"name": "Siti Aminah", "relation": "pasangan", "nik": heir_nik, "phone": "0813 1111 2222"}],
        today=TODAY,
    )
    worker.refresh_from_db()
    assert (worker.nik, worker.regency_code, worker.province_code) == (data["nik"], "61.01", "61")
    assert worker.phone == "+6281234567890"
    assert worker.created_by == cast["operator_sambas"]
    heir = Heir.objects.get(worker=worker)
    assert (heir.nik, heir.phone) == (heir_nik, "+6281311112222")
    entry = AuditEntry.objects.get(action="worker.registered", object_id=str(worker.pk))
    assert entry.actor_username == "operator_sambas"
    assert entry.region_code == SAMBAS_VILLAGE
    assert entry.changes["name"] == [None, "Budi Santoso"]
    # Personal identifiers are masked in the log, the mother's maiden name hidden.
    assert entry.changes["nik"][1] == data["nik"][:4] + "******" + data["nik"][-6:]
    assert entry.changes["kk_number"] == [None, "6101******678901"]
    assert entry.changes["mother_maiden_name"] == [None, "***"]


def test_a_nik_that_is_not_valid_is_an_error_on_the_nik_field(cast):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(nik="6101011705800000"), heirs=[])
    assert _errors(exc)["nik"] == ["The serial number (last 4 digits) must not be 0000; serials start at 0001."]
    assert not Worker.objects.exists()


def test_the_birth_date_and_sex_must_match_the_nik(cast):
    nik = make_nik(birth_date=BIRTH, sex="L")
    data = registration(nik=nik, birth_date=dt.date(1980, 5, 18), sex="P")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=data, heirs=[], today=TODAY)
    errors = _errors(exc)
    assert errors["birth_date"] == ["The date of birth does not match the NIK, which says 17-05-1980."]
    assert errors["sex"][0].startswith("The sex does not match the NIK")


def test_a_woman_s_nik_carries_the_day_plus_40_and_is_accepted(cast):
    data = registration(sex="P", birth_date=dt.date(1990, 3, 9), name="Siti Rahma")
    assert data["nik"][6:8] == "49"
    worker = worker_register(actor=cast["operator_sambas"], data=data, heirs=[], today=TODAY)
    assert worker.sex == "P"


def test_a_person_of_65_cannot_be_registered_but_one_a_day_younger_can(cast):
    old = dt.date(1961, 11, 26)  # 65 on TODAY
    young = dt.date(1961, 11, 27)  # 64 on TODAY
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(birth_date=old), heirs=[], today=TODAY)
    assert _errors(exc)["birth_date"] == ["A worker must be under 65 years old at registration; this person is 65."]
    assert worker_register(actor=cast["operator_sambas"], data=registration(birth_date=young), heirs=[], today=TODAY).pk


def test_the_declared_income_may_not_be_below_the_rule_s_minimum(cast):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(declared_income=999_999), heirs=[])
    assert _errors(exc)["declared_income"] == ["The declared income must be at least Rp 1,000,000 a month."]


def test_an_operator_cannot_register_a_worker_in_another_regency(cast):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(PONTIANAK_VILLAGE), heirs=[])
    assert _errors(exc)["village"] == ["This village is outside your region."]
    assert not Worker.objects.exists()


def test_a_village_operator_registers_only_in_their_own_village(cast):
    other_village_same_district = "61.01.01.2002"
    with pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_desa"], data=registration(other_village_same_district), heirs=[])
    assert "village" in _errors(exc)
    assert worker_register(actor=cast["operator_desa"], data=registration(SAMBAS_VILLAGE), heirs=[]).pk


@pytest.mark.parametrize("role", ["verifikator", "pimpinan", "petugas_bpjs", "keuangan"])
def test_roles_that_do_not_register_are_refused(cast, role):
    with pytest.raises(PermissionDenied):
        worker_register(actor=cast[role], data=registration(), heirs=[])


def test_a_heir_with_a_wrong_nik_is_refused_and_nothing_is_written(cast):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(
            actor=cast["operator_sambas"],
            data=registration(),
            heirs=[{"name": "Ani", "relation": "anak", "nik": "12345", "phone": ""}],
        )
    assert _errors(exc)["heirs"] == ["Heir 1: The NIK must be exactly 16 digits; this one has 5."]
    assert not Worker.objects.exists()


def test_an_inactive_occupation_category_is_refused(cast):
    category = OccupationCategory.objects.create(code="LAMA", name="Lama", active=False)
    with pytest.raises(ValidationError) as exc:
        worker_register(actor=cast["operator_sambas"], data=registration(occupation=category), heirs=[])
    assert "occupation" in _errors(exc)


# The web form


def test_the_registration_form_saves_a_worker_and_shows_the_detail_page(cast):
    client = client_for(cast["operator_sambas"])
    data = registration()
    response = client.post(
        "/pekerja/daftar/",
        form_post(data, heirs=[{"name": "Siti", "relation": "pasangan", "nik": "", "phone": ""}]),
    )
    worker = Worker.objects.get(nik=data["nik"])
    assert response.status_code == 302
    assert response["Location"] == f"/pekerja/{worker.pk}/"
    assert list(worker.heirs.values_list("name", flat=True)) == ["Siti"]


def test_the_registration_form_puts_each_error_next_to_its_field(cast):
    client = client_for(cast["operator_sambas"])
    data = registration(birth_date=BIRTH)
    post = form_post(data, phone="12345", kk_number="123")
    post["birth_date"] = "1980-05-18"
    page = client.post("/pekerja/daftar/", post).content.decode()
    assert not Worker.objects.exists()
    for field in ("phone", "kk_number", "birth_date"):
        block = page.split(f'data-field="{field}"', 1)[1].split('<div class="field', 1)[0]
        assert 'class="field-error"' in block, field
    assert "The date of birth does not match the NIK" in page
    assert "The family card (KK) number must be exactly 16 digits." in page


def test_the_registration_form_defaults_the_income_to_one_million_and_offers_only_active_categories(cast):
    OccupationCategory.objects.create(code="LAMA", name="Kategori lama", active=False)
    page = client_for(cast["operator_sambas"]).get("/pekerja/daftar/").content.decode()
    assert 'name="declared_income" value="1.000.000"' in page
    assert "Kategori lama" not in page


def test_the_registration_form_offers_only_the_villages_of_the_operator_s_region(cast):
    page = client_for(cast["operator_sambas"]).get("/pekerja/daftar/").content.decode()
    assert f'value="{SAMBAS_VILLAGE}"' in page
    assert f'value="{PONTIANAK_VILLAGE}"' not in page
    desa_page = client_for(cast["operator_desa"]).get("/pekerja/daftar/").content.decode()
    assert desa_page.count('value="61.01.01.2') == 1


def test_a_verifier_cannot_open_the_registration_form(cast):
    assert client_for(cast["verifikator"]).get("/pekerja/daftar/").status_code == 403


def test_the_region_picker_lists_only_children_inside_the_user_s_region(cast):
    sambas = client_for(cast["operator_sambas"])
    province = sambas.get("/pekerja/wilayah/", {"parent": "61"}).json()["regions"]
    assert [r["code"] for r in province] == ["61.01"]
    districts = sambas.get("/pekerja/wilayah/", {"parent": "61.01"}).json()["regions"]
    assert districts and all(r["code"].startswith("61.01.") for r in districts)
    assert sambas.get("/pekerja/wilayah/", {"parent": "61.71"}).json()["regions"] == []
    desa = client_for(cast["operator_desa"])
    assert [r["code"] for r in desa.get("/pekerja/wilayah/", {"parent": "61.01.01"}).json()["regions"]] == [
        SAMBAS_VILLAGE
    ]


def test_pages_need_a_login():
    from django.test import Client

    response = Client().get("/pekerja/daftar/")
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")


def test_empty_heir_rows_left_as_they_came_are_ignored(cast):
    data = registration()
    post = form_post(data)
    post.update({"heirs-TOTAL_FORMS": "2", "heirs-0-relation": "", "heirs-1-relation": ""})
    response = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", post)
    assert response.status_code == 302
    assert not Heir.objects.exists()


def test_errors_in_the_worker_and_in_the_heirs_are_reported_together(cast):
    with pytest.raises(ValidationError) as exc:
        worker_register(
            actor=cast["operator_sambas"],
            data=registration(phone="12"),
            heirs=[{"name": "Ani", "relation": "bukan", "nik": "", "phone": ""}],
        )
    assert set(_errors(exc)) == {"phone", "heirs"}
