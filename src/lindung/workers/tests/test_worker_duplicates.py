from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from lindung.audit.models import AuditEntry
from lindung.testing import PONTIANAK_VILLAGE, client_for, make_cast, make_worker
from lindung.workers import services
from lindung.workers.models import Worker
from lindung.workers.registration import lengths_close, look_alike_sql
from lindung.workers.services import LikelyDuplicates, NikRegistered, worker_register
from lindung.workers.tests.conftest import BIRTH, form_post, registration


def _nik_error(actor, data) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        worker_register(actor=actor, data=data, heirs=[])
    return exc.value.message_dict["nik"]


@pytest.mark.django_db
def test_a_nik_registered_in_the_operator_s_own_regency_is_refused_naming_the_regency(cast):
    existing = make_worker()
    assert _nik_error(cast["operator_sambas"], registration(nik=existing.nik)) == [
        "This NIK is already registered in Kabupaten Sambas."
    ]


@pytest.mark.django_db
def test_a_nik_registered_outside_the_operator_s_region_is_refused_naming_only_its_regency(cast):
    existing = make_worker()  # in Sambas
    data = registration(PONTIANAK_VILLAGE, nik=existing.nik)
    with translation.override("en"), pytest.raises(NikRegistered) as exc:
        worker_register(actor=cast["operator_pontianak"], data=data, heirs=[])
    assert exc.value.message_dict["nik"] == ["This NIK is already registered in Kabupaten Sambas, outside your region."]
    assert exc.value.visible_pk is None
    assert Worker.objects.count() == 1


@pytest.mark.django_db
def test_the_form_shows_the_duplicate_nik_next_to_the_nik_field_with_no_link_outside_the_region(cast):
    existing = make_worker(name="Rudi Hartono")  # in Sambas
    page = client_for(cast["operator_pontianak"]).post(
        "/pekerja/daftar/", form_post(registration(PONTIANAK_VILLAGE, nik=existing.nik))
    )
    assert page.status_code == 200
    body = page.content.decode()
    block = body.split('data-field="nik"', 1)[1].split('<div class="field', 1)[0]
    assert "This NIK is already registered in Kabupaten Sambas, outside your region." in block
    assert 'data-testid="nik-link"' not in body
    assert f"/pekerja/{existing.pk}/" not in body and "Rudi Hartono" not in body


@pytest.mark.django_db
def test_the_form_links_to_the_worker_holding_the_nik_when_the_user_may_see_them(cast):
    existing = make_worker(name="Rudi Hartono")  # in Sambas
    page = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", form_post(registration(nik=existing.nik)))
    assert page.status_code == 200
    block = page.content.decode().split('data-field="nik"', 1)[1].split('<div class="field', 1)[0]
    assert "This NIK is already registered in Kabupaten Sambas." in block
    assert f'href="/pekerja/{existing.pk}/" data-testid="nik-link"' in block


@pytest.mark.django_db
def test_a_similar_name_with_the_same_birth_date_in_the_same_regency_needs_a_confirmation(cast):
    earlier = make_worker(name="Siti Aminah", birth_date=BIRTH, sex="P")
    data = registration(name="Aminah, Siti.", birth_date=BIRTH, sex="P")
    with pytest.raises(LikelyDuplicates) as exc:
        worker_register(actor=cast["operator_sambas"], data=data, heirs=[])
    assert exc.value.visible == [earlier]
    assert Worker.objects.count() == 1

    worker = worker_register(actor=cast["operator_sambas"], data=data, heirs=[], confirm_likely_duplicate=True)
    entry = AuditEntry.objects.get(action="worker.registered", object_id=str(worker.pk))
    assert entry.changes["likely_duplicates_confirmed"] == [None, [earlier.pk]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "birth_day", "village"),
    [
        ("Budi Hartono", 17, "61.01.01.2001"),  # another name
        ("Siti Aminah", 18, "61.01.01.2001"),  # born another day
        ("Siti Aminah", 17, "61.02.01.2001"),  # another regency (Mempawah)
    ],
)
def test_no_warning_without_a_similar_name_the_same_birth_date_and_the_same_regency(cast, name, birth_day, village):
    make_worker(name="Siti Aminah", birth_date=BIRTH, sex="P")
    data = registration(village, name=name, birth_date=BIRTH.replace(day=birth_day), sex="P")
    actor = cast["operator_sambas"] if village.startswith("61.01") else cast["admin_provinsi"]
    assert worker_register(actor=actor, data=data, heirs=[]).pk


@pytest.mark.django_db
def test_a_village_operator_is_warned_of_a_likely_duplicate_in_another_village_without_seeing_it(cast):
    make_worker(village="61.01.01.2002", name="Siti Aminah", birth_date=BIRTH, sex="P")
    with pytest.raises(LikelyDuplicates) as exc:
        worker_register(
            actor=cast["operator_desa"], data=registration(name="Siti Aminah", birth_date=BIRTH, sex="P"), heirs=[]
        )
    assert (exc.value.visible, exc.value.hidden_count) == ([], 1)


@pytest.mark.django_db
def test_the_form_lists_likely_duplicates_masked_and_saves_once_confirmed(cast):
    earlier = make_worker(name="Siti Aminah", birth_date=BIRTH, sex="P")
    client = client_for(cast["operator_sambas"])
    post = form_post(registration(name="Siti Aminah", birth_date=BIRTH, sex="P"))
    page = client.post("/pekerja/daftar/", post).content.decode()
    warning = page.split('data-testid="likely-duplicates"', 1)[1].split("</div>", 1)[0]
    assert f"{earlier.nik[:4]}******{earlier.nik[-6:]}" in warning
    assert earlier.nik not in page
    assert Worker.objects.count() == 1

    response = client.post("/pekerja/daftar/", {**post, "confirm_likely_duplicate": "on"})
    assert response.status_code == 302
    assert Worker.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs two real connections: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_operators_submitting_the_same_nik_at_once_leave_exactly_one_worker(reference_data, monkeypatch):
    """Both pass every check before either inserts (a barrier after the last look-up makes sure of it);
    the unique index lets one insert win and the other gets the ordinary "already registered" error."""
    cast = make_cast()
    data = registration()
    barrier = threading.Barrier(2)
    looked_up = services.worker_likely_duplicates

    def look_up_then_wait(**kwargs):
        found = looked_up(**kwargs)
        barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(services, "worker_likely_duplicates", look_up_then_wait)
    outcomes: list[object] = []

    def submit(actor):
        try:
            with translation.override("en"):
                outcomes.append(worker_register(actor=actor, data=data, heirs=[]))
        except ValidationError as exc:
            outcomes.append(exc.message_dict)
        except Exception as exc:  # a 500 in the making: let the assertion show it
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(cast[name],)) for name in ("operator_sambas", "admin_provinsi")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Worker.objects.filter(nik=data["nik"]).count() == 1
    assert len([o for o in outcomes if isinstance(o, Worker)]) == 1, outcomes
    assert [o for o in outcomes if not isinstance(o, Worker)] == [
        {"nik": ["This NIK is already registered in Kabupaten Sambas."]}
    ]
    assert AuditEntry.objects.filter(action="worker.registered").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("Budi Santoso", "Budi Santoso"),
        ("Siti Aminah", "SITI  AMINAH."),
        ("Budi Santoso", "Budi ....... Santoso"),  # 12 and 20 letters: the widest gap still close
        ("Budi Santoso", "Budi ........ Santoso"),  # 12 and 21: one too many
        ("Ani", "Ani Rahayu"),
        ("Ñoño Ümit", "Nono Umit"),  # letters outside ASCII count one each in both
        ("A", "Ab"),
    ],
)
def test_the_upload_s_look_alike_join_keeps_the_same_names_as_the_form_s_check(name, other):
    """The import finds look-alikes with ``look_alike_sql``, the form with ``lengths_close``: the same condition,
    on either database (integer division, characters counted, not bytes)."""
    condition = look_alike_sql(new="n", registered="r")
    row = (
        "SELECT CAST(%s AS VARCHAR(150)) AS name, CAST(%s AS VARCHAR(5)) AS regency_code,"
        " CAST(%s AS DATE) AS birth_date"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN {condition} THEN 1 ELSE 0 END FROM ({row}) n, ({row}) r",  # noqa: S608 - our SQL; values bound
            [name, "61.01", "1980-05-17", other, "61.01", "1980-05-17"],
        )
        (in_sql,) = cursor.fetchone()
    assert bool(in_sql) == lengths_close(name, other) == lengths_close(other, name)
