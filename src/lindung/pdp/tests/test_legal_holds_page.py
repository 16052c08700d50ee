"""The legal holds' page /pdp/penahanan/ and ``lindung pdp hold set|lift|list`` (issue 19): through the services,
the worker found by NIK in a POST and shown masked, region scope, refusals in a sentence, the NIK never whole in a
page, an address, the output or the logs. Both databases."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lindung.accounts.models import Role
from lindung.audit.models import AuditEntry
from lindung.pdp.models import LegalHold
from lindung.pdp.services import legal_hold_set
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, Cast, client_for, make_nik, make_user, make_worker
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask

pytestmark = pytest.mark.django_db

URL = "/pdp/penahanan/"
NIK = make_nik(district="61.01.01")


@pytest.fixture
def worker(db: None) -> Worker:
    return make_worker(nik=NIK, village=SAMBAS_VILLAGE)


def _open_holds() -> list[LegalHold]:
    return list(LegalHold.objects.filter(lifted_at__isnull=True))


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_officer_holds_a_worker_found_by_nik_in_the_post(cast: Cast, worker: Worker) -> None:
    client = client_for(cast["pejabat_pdp"])
    response = client.post(URL, {"nik": NIK[:4] + " " + NIK[4:], "reason": "Sengketa ahli waris di pengadilan"})
    assert response.status_code == 302 and NIK not in response["Location"]
    [hold] = _open_holds()
    assert hold.worker == worker and hold.set_by == cast["pejabat_pdp"]
    assert AuditEntry.objects.filter(action="pdp.legal_hold_set", object_id=str(worker.pk)).count() == 1
    page = client.get(URL).content.decode()
    assert nik_mask(NIK) in page and NIK not in page
    assert "Sengketa ahli waris di pengadilan" in page and "pejabat_pdp" in page
    assert f'action="/pdp/penahanan/{hold.pk}/cabut/"' in page


def test_the_form_never_shows_the_nik_typed_back(cast: Cast, worker: Worker) -> None:
    response = client_for(cast["pejabat_pdp"]).post(URL, {"nik": NIK, "reason": ""})
    assert response.status_code == 422
    assert NIK not in response.content.decode()
    assert _open_holds() == []


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("1234", "A NIK has exactly 16 digits."),
        (make_nik(district="61.71.01"), "No worker with this NIK in your region."),  # nobody has it
    ],
)
def test_a_wrong_or_unknown_nik_is_refused_next_to_its_field(
    cast: Cast, worker: Worker, nik: str, message: str
) -> None:
    response = client_for(cast["pejabat_pdp"]).post(URL, {"nik": nik, "reason": "Sengketa"})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert _open_holds() == []


def test_a_worker_outside_a_regency_officers_region_answers_as_unknown(cast: Cast) -> None:
    elsewhere = make_worker(village=PONTIANAK_VILLAGE)
    officer = make_user("pdp_sambas", Role.PEJABAT_PELINDUNGAN_DATA, "61.01")
    response = client_for(officer).post(URL, {"nik": elsewhere.nik, "reason": "Sengketa"})
    assert response.status_code == 422
    assert "No worker with this NIK in your region." in response.content.decode()
    assert _open_holds() == []
    # Nor does the regency officer see, or lift, a hold set on it by the province's officer.
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=elsewhere, reason="Sengketa")
    assert nik_mask(elsewhere.nik) not in client_for(officer).get(URL).content.decode()
    response = client_for(officer).post(f"{URL}{hold.pk}/cabut/", {"reason": "Selesai"})
    assert response.status_code == 404
    assert _open_holds() == [hold]


def test_a_worker_held_already_is_refused_with_the_services_sentence(cast: Cast, worker: Worker) -> None:
    legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    response = client_for(cast["pejabat_pdp"]).post(URL, {"nik": NIK, "reason": "Lagi"})
    assert response.status_code == 422
    assert "This worker&#x27;s records are held already." in response.content.decode()
    assert len(_open_holds()) == 1


def test_the_officer_lifts_a_hold_with_a_reason(cast: Cast, worker: Worker) -> None:
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    client = client_for(cast["pejabat_pdp"])
    response = client.post(f"{URL}{hold.pk}/cabut/", {"reason": "Putusan pengadilan sudah tetap"})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.lifted_by == cast["pejabat_pdp"] and hold.lift_reason == "Putusan pengadilan sudah tetap"
    assert "No records are held." in client.get(URL).content.decode()
    # Lifted, it is gone: lifting it again is as for a hold that never was.
    assert client.post(f"{URL}{hold.pk}/cabut/", {"reason": "Lagi"}).status_code == 404


def test_a_hold_is_not_lifted_without_a_reason(cast: Cast, worker: Worker) -> None:
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    client = client_for(cast["pejabat_pdp"])
    response = client.post(f"{URL}{hold.pk}/cabut/", {"reason": "   "}, follow=True)
    assert "Say why the hold ends." in response.content.decode()
    assert _open_holds() == [hold]


def test_lifting_answers_a_post_only(cast: Cast, worker: Worker) -> None:
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    assert client_for(cast["pejabat_pdp"]).get(f"{URL}{hold.pk}/cabut/").status_code == 405


@pytest.mark.parametrize("username", ["operator_desa", "operator_sambas", "verifikator", "keuangan", "pimpinan"])
def test_other_roles_may_neither_see_nor_set_nor_lift_holds(cast: Cast, worker: Worker, username: str) -> None:
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    client = client_for(cast[username])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"nik": NIK, "reason": "Sengketa"}).status_code == 403
    assert client.post(f"{URL}{hold.pk}/cabut/", {"reason": "Selesai"}).status_code == 403
    assert _open_holds() == [hold]


def test_the_province_admin_manages_holds_too(cast: Cast, worker: Worker) -> None:
    response = client_for(cast["admin_provinsi"]).post(URL, {"nik": NIK, "reason": "Sengketa"})
    assert response.status_code == 302 and len(_open_holds()) == 1


@pytest.mark.parametrize(("language", "title"), [("id", "Penahanan karena sengketa"), ("en", "Legal holds")])
def test_the_page_is_in_the_readers_language(cast: Cast, worker: Worker, language: str, title: str) -> None:
    legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    page = client_for(cast["pejabat_pdp"], language).get(URL).content.decode()
    assert f"<h1>{title}</h1>" in page


# --- the command ------------------------------------------------------------------------------------------------


def _pdp(*args: str) -> str:
    out = StringIO()
    call_command("pdp", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def test_the_command_sets_lists_and_lifts_a_hold_without_the_whole_nik(
    cast: Cast, worker: Worker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    said = _pdp("hold", "set", NIK, "--reason", "Sengketa ahli waris", "--as", "pejabat_pdp")
    [hold] = _open_holds()
    assert hold.worker == worker and nik_mask(NIK) in said and NIK not in said
    listed = json.loads(_pdp("hold", "list", "--json"))
    assert listed == [
        {
            "id": hold.pk,
            "nik": nik_mask(NIK),
            "regency": "61.01",
            "reason": "Sengketa ahli waris",
            "set_by": "pejabat_pdp",
            "set_at": listed[0]["set_at"],
        }
    ]
    assert str(hold.pk) in _pdp("hold", "list")
    said = _pdp("hold", "lift", str(hold.pk), "--reason", "Sudah diputus", "--as", "pejabat_pdp")
    assert nik_mask(NIK) in said
    hold.refresh_from_db()
    assert hold.lift_reason == "Sudah diputus"
    assert json.loads(_pdp("hold", "list", "--json")) == []
    assert "No records are held." in _pdp("hold", "list")
    assert NIK not in caplog.text


def test_the_list_as_a_regency_officer_shows_only_their_region(cast: Cast, worker: Worker) -> None:
    elsewhere = make_worker(village=PONTIANAK_VILLAGE)
    legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    legal_hold_set(actor=cast["pejabat_pdp"], worker=elsewhere, reason="Sengketa")
    make_user("pdp_sambas", Role.PEJABAT_PELINDUNGAN_DATA, "61.01")
    assert len(json.loads(_pdp("hold", "list", "--json"))) == 2
    assert [row["nik"] for row in json.loads(_pdp("hold", "list", "--json", "--as", "pdp_sambas"))] == [nik_mask(NIK)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "12345", "--reason", "x", "--as", "pejabat_pdp"), "A NIK has exactly 16 digits."),
        (("set", make_nik(district="61.71.01"), "--reason", "x", "--as", "pejabat_pdp"), "No worker with this NIK"),
        (("set", NIK, "--reason", "  ", "--as", "pejabat_pdp"), "Say why the records are held"),
        (("set", NIK, "--reason", "x", "--as", "operator_desa"), "may not manage legal holds"),
        (("set", NIK, "--reason", "x", "--as", "nobody"), "There is no active user nobody."),
        (("lift", "999999", "--reason", "x", "--as", "pejabat_pdp"), "There is no open hold 999999"),
        (("lift", "9" * 40, "--reason", "x", "--as", "pejabat_pdp"), "There is no open hold"),
        (("lift", "1", "--reason", "x", "--as", "operator_desa"), "may not manage legal holds"),
    ],
)
def test_the_command_refuses_in_one_sentence(cast: Cast, worker: Worker, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        _pdp("hold", *args)
    assert _open_holds() == []


def test_the_command_lifts_with_a_reason_or_not_at_all(cast: Cast, worker: Worker) -> None:
    hold = legal_hold_set(actor=cast["pejabat_pdp"], worker=worker, reason="Sengketa")
    with pytest.raises(CommandError, match="Say why the hold ends"):
        _pdp("hold", "lift", str(hold.pk), "--reason", " ", "--as", "pejabat_pdp")
    assert _open_holds() == [hold]


def test_the_list_of_holds_costs_the_same_queries_for_one_hold_or_many(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast["pejabat_pdp"])
    legal_hold_set(actor=cast["pejabat_pdp"], worker=make_worker(), reason="Sengketa")
    client.get(URL)  # the session's first request settles what it caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for _ in range(5):
        legal_hold_set(actor=cast["pejabat_pdp"], worker=make_worker(), reason="Sengketa")
    with CaptureQueriesContext(connection) as six:
        page = client.get(URL).content.decode()
    assert page.count('data-testid="lift-form"') == 6
    assert len(six) == len(one)
