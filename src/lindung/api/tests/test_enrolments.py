"""``/api/v1/enrolments`` through HTTP with real tokens: list and filter, read, propose (by worker id or NIK, once
per Idempotency-Key), verify, reject, activate, end with If-Match, each refused with its field; scopes; and a
Sambas client that cannot reach Kota Pontianak's enrolments."""

from __future__ import annotations

import datetime as dt

import pytest

from lindung.api.tests.test_workers import _api_client, _fields, _send
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment, Status
from lindung.testing import PONTIANAK_VILLAGE, make_enrolment, make_programme, make_worker, set_quota

pytestmark = pytest.mark.django_db


def test_list_filters_as_the_web_and_pages_by_cursor(programme):
    other = make_programme("KALBAR-2027", year=2027)
    workers = [make_worker(name=f"Pekerja Sambas {n}") for n in range(3)]
    proposed = [make_enrolment(worker, programme) for worker in workers]
    active = make_enrolment(workers[0], other, Status.ACTIVE)
    api = _api_client()
    everything = api.get("/api/v1/enrolments").json()
    assert [item["id"] for item in everything["items"]] == [active.pk, *[e.pk for e in reversed(proposed)]]
    by_status = api.get("/api/v1/enrolments", {"status": "aktif"}).json()["items"]
    assert [item["id"] for item in by_status] == [active.pk]
    by_programme = api.get("/api/v1/enrolments", {"programme": programme.pk, "limit": 2}).json()
    assert [item["id"] for item in by_programme["items"]] == [proposed[2].pk, proposed[1].pk]
    rest = api.get("/api/v1/enrolments", {"programme": programme.pk, "cursor": by_programme["next_cursor"]}).json()
    assert [item["id"] for item in rest["items"]] == [proposed[0].pk]
    by_name = api.get("/api/v1/enrolments", {"q": workers[1].nik}).json()["items"]
    assert [item["id"] for item in by_name] == [proposed[1].pk]
    assert [
        i["id"] for i in api.get("/api/v1/enrolments", {"regency": "61.01", "status": "aktif"}).json()["items"]
    ] == [active.pk]
    item = by_status[0]
    assert item["worker"]["nik"] == workers[0].nik[:4] + "******" + workers[0].nik[-6:]
    assert (item["programme"]["code"], item["kpj"]) == ("KALBAR-2027", active.kpj)
    assert workers[0].nik not in api.get("/api/v1/enrolments").content.decode()
    # A filter the web's form refuses is a 422 next to its field.
    assert "status" in _fields(api.get("/api/v1/enrolments", {"status": "unknown"}))


def test_read_one_with_its_etag(programme):
    enrolment = make_enrolment(make_worker(), programme)
    api = _api_client()
    answer = api.get(f"/api/v1/enrolments/{enrolment.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["id"], body["status"], body["programme"]["id"]) == (enrolment.pk, "diusulkan", programme.pk)
    assert set(body["next_steps"]) == {"verify", "reject"}
    assert answer["ETag"]
    assert api.get(f"/api/v1/enrolments/{enrolment.pk}")["ETag"] == answer["ETag"]


def test_propose_by_worker_id_or_by_nik_through_the_service(programme):
    first, second = make_worker(name="Budi"), make_worker(name="Andi")
    api = _api_client()
    answer = _send(api, "post", "/api/v1/enrolments", {"worker": first.pk, "programme": programme.pk})
    assert answer.status_code == 201, answer.content
    enrolment = Enrolment.objects.get(worker=first, programme=programme)
    assert answer["Location"] == f"/api/v1/enrolments/{enrolment.pk}"
    assert answer["ETag"]
    assert (answer.json()["status"], answer.json()["worker"]["id"]) == ("diusulkan", first.pk)
    entry = AuditEntry.objects.get(action="enrolment.proposed", object_id=str(enrolment.pk))
    assert entry.channel.startswith("api client:")
    by_nik = _send(api, "post", "/api/v1/enrolments", {"nik": second.nik, "programme": programme.pk})
    assert by_nik.status_code == 201
    assert Enrolment.objects.filter(worker=second, programme=programme, status=Status.PROPOSED).exists()


def test_propose_refused_by_the_programme_rules_with_the_field(programme):
    worker = make_worker()
    api = _api_client()
    full = make_programme("DESA-2026", region_id="61.01")
    set_quota(full, "61.01", 0)
    refused = _send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": full.pk})
    assert refused.status_code == 422
    assert "quota" in _fields(refused)["programme"]
    closed = make_programme("TUTUP-2026", open_for_proposals=False)
    assert (
        "not open"
        in _fields(_send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": closed.pk}))["programme"]
    )
    unknown = _send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": 999_999})
    assert unknown.status_code == 422 and "programme" in _fields(unknown)
    both = _send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "nik": worker.nik, "programme": programme.pk})
    assert both.status_code == 422 and "worker" in _fields(both)
    neither = _send(api, "post", "/api/v1/enrolments", {"programme": programme.pk})
    assert neither.status_code == 422 and "worker" in _fields(neither)
    # In the caller's language (Accept-Language).
    indonesian = _send(api, "post", "/api/v1/enrolments", {"programme": programme.pk}, Accept_Language="id")
    assert indonesian.json()["detail"] == "Kirim id pekerja (worker) atau NIK-nya (nik), salah satu saja."
    assert _send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": programme.pk}).status_code == 201
    again = _send(api, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": programme.pk})
    assert again.status_code == 422 and "programme" in _fields(again)
    assert Enrolment.objects.count() == 1


def test_a_repeated_idempotency_key_proposes_once(programme):
    worker = make_worker()
    api = _api_client()
    body = {"worker": worker.pk, "programme": programme.pk}
    first = _send(api, "post", "/api/v1/enrolments", body, Idempotency_Key="usul-1")
    second = _send(api, "post", "/api/v1/enrolments", body, Idempotency_Key="usul-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert Enrolment.objects.filter(worker=worker).count() == 1
    assert AuditEntry.objects.filter(action="enrolment.proposed").count() == 1


def test_verify_with_if_match_and_stale_or_refused(programme):
    enrolment = make_enrolment(make_worker(), programme)
    api = _api_client()
    etag = api.get(f"/api/v1/enrolments/{enrolment.pk}")["ETag"]
    verified = _send(api, "post", f"/api/v1/enrolments/{enrolment.pk}/verify", {}, If_Match=etag)
    assert verified.status_code == 200, verified.content
    assert verified.json()["status"] == "terverifikasi"
    assert verified["ETag"] != etag
    # The old tag is stale; without a tag the service refuses a second verification, with its sentence.
    assert _send(api, "post", f"/api/v1/enrolments/{enrolment.pk}/verify", {}, If_Match=etag).status_code == 412
    again = _send(api, "post", f"/api/v1/enrolments/{enrolment.pk}/verify", {})
    assert again.status_code == 422
    assert again.json()["detail"].startswith("Only a proposed enrolment can be verified")
    # No quota for the regency: the service's refusal.
    no_quota = make_programme("TANPA-KUOTA")
    waiting = make_enrolment(make_worker(), no_quota)
    refused = _send(api, "post", f"/api/v1/enrolments/{waiting.pk}/verify", {})
    assert refused.status_code == 422 and "no quota" in refused.json()["detail"]
    waiting.refresh_from_db()
    assert waiting.status == Status.PROPOSED


def test_reject_with_a_reason_and_refused_without(programme):
    enrolment = make_enrolment(make_worker(), programme)
    api = _api_client()
    empty = _send(api, "post", f"/api/v1/enrolments/{enrolment.pk}/reject", {"reason": "  "})
    assert empty.status_code == 422 and "reason" in _fields(empty)
    rejected = _send(api, "post", f"/api/v1/enrolments/{enrolment.pk}/reject", {"reason": "Data tidak cocok"})
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("ditolak", "Data tidak cocok")
    assert AuditEntry.objects.filter(action="enrolment.rejected", object_id=str(enrolment.pk)).count() == 1


def test_activate_with_kpj_and_start_and_refused_kpj(programme):
    enrolment = make_enrolment(make_worker(), programme, Status.SENT)
    api = _api_client()
    etag = api.get(f"/api/v1/enrolments/{enrolment.pk}")["ETag"]
    bad = _send(
        api,
        "post",
        f"/api/v1/enrolments/{enrolment.pk}/activate",
        {"kpj": "123", "coverage_start": "2026-02-01"},
        If_Match=etag,
    )
    assert bad.status_code == 422 and "kpj" in _fields(bad)
    outside = _send(
        api,
        "post",
        f"/api/v1/enrolments/{enrolment.pk}/activate",
        {"kpj": "12345678901", "coverage_start": "2030-01-01"},
    )
    assert outside.status_code == 422 and "coverage_start" in _fields(outside)
    active = _send(
        api,
        "post",
        f"/api/v1/enrolments/{enrolment.pk}/activate",
        {"kpj": "12345678901", "coverage_start": "2026-02-01"},
        If_Match=etag,
    )
    assert active.status_code == 200, active.content
    body = active.json()
    assert (body["status"], body["kpj"], body["coverage_start"]) == ("aktif", "12345678901", "2026-02-01")


def test_end_with_reason_and_date_and_refused_before_the_start(programme):
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE, coverage_start=dt.date(2026, 3, 1))
    api = _api_client()
    early = _send(
        api, "post", f"/api/v1/enrolments/{enrolment.pk}/end", {"reason": "moved_away", "coverage_end": "2026-02-01"}
    )
    assert early.status_code == 422 and "coverage_end" in _fields(early)
    unknown = _send(
        api, "post", f"/api/v1/enrolments/{enrolment.pk}/end", {"reason": "bored", "coverage_end": "2026-06-30"}
    )
    assert unknown.status_code == 422 and "reason" in _fields(unknown)
    ended = _send(
        api, "post", f"/api/v1/enrolments/{enrolment.pk}/end", {"reason": "moved_away", "coverage_end": "2026-06-30"}
    )
    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["end_reason"], ended.json()["coverage_end"]) == (
        "berakhir",
        "moved_away",
        "2026-06-30",
    )


def test_a_token_without_the_needed_scope_is_refused_403(programme):
    worker = make_worker()
    enrolment = make_enrolment(make_worker(), programme)
    reader = _api_client(scopes=("registry.read",))
    assert reader.get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 200
    assert (
        _send(reader, "post", "/api/v1/enrolments", {"worker": worker.pk, "programme": programme.pk}).status_code == 403
    )
    proposer = _api_client(scopes=("propose",))
    assert _send(proposer, "post", f"/api/v1/enrolments/{enrolment.pk}/verify", {}).status_code == 403
    assert _send(proposer, "post", f"/api/v1/enrolments/{enrolment.pk}/reject", {"reason": "x"}).status_code == 403
    figures = _api_client(scopes=("figures",))
    assert figures.get("/api/v1/enrolments").status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == Status.PROPOSED
    assert Enrolment.objects.count() == 1


def test_a_sambas_client_cannot_read_list_propose_or_change_a_pontianak_enrolment(programme):
    pontianak_worker = make_worker(village=PONTIANAK_VILLAGE, name="Yohanes Pontianak")
    other = make_worker(village=PONTIANAK_VILLAGE, name="Maria Pontianak")
    enrolment = make_enrolment(pontianak_worker, programme)
    active = make_enrolment(make_worker(village=PONTIANAK_VILLAGE), make_programme("LAIN-2026"), Status.SENT)
    sambas = _api_client("61.01")
    assert sambas.get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 404
    assert sambas.get("/api/v1/enrolments").json()["items"] == []
    assert sambas.get("/api/v1/enrolments", {"q": "Yohanes"}).json()["items"] == []
    assert sambas.get("/api/v1/enrolments", {"q": pontianak_worker.nik}).json()["items"] == []
    assert sambas.get("/api/v1/enrolments", {"regency": "61.71"}).status_code == 422
    by_id = _send(sambas, "post", "/api/v1/enrolments", {"worker": other.pk, "programme": programme.pk})
    by_nik = _send(sambas, "post", "/api/v1/enrolments", {"nik": other.nik, "programme": programme.pk})
    assert (by_id.status_code, by_nik.status_code) == (404, 404)
    assert by_id.content == by_nik.content
    for step, body in (
        ("verify", {}),
        ("reject", {"reason": "x"}),
    ):
        assert _send(sambas, "post", f"/api/v1/enrolments/{enrolment.pk}/{step}", body).status_code == 404
    activate = {"kpj": "12345678901", "coverage_start": "2026-02-01"}
    assert _send(sambas, "post", f"/api/v1/enrolments/{active.pk}/activate", activate).status_code == 404
    end = {"reason": "moved_away", "coverage_end": "2026-06-30"}
    assert _send(sambas, "post", f"/api/v1/enrolments/{active.pk}/end", end).status_code == 404
    assert list(Enrolment.objects.order_by("pk").values_list("status", flat=True)) == [Status.PROPOSED, Status.SENT]
    assert not Enrolment.objects.filter(worker=other).exists()
    # The same enrolment is there for a Pontianak client.
    assert _api_client("61.71").get(f"/api/v1/enrolments/{enrolment.pk}").status_code == 200


# --- a list of proposals ---------------------------------------------------------------------------


def test_a_list_of_workers_is_proposed_in_one_request_in_its_order(programme):
    workers = [make_worker(name=f"Pekerja {n}") for n in range(3)]
    api = _api_client()
    body = {"programme": programme.pk, "workers": [workers[2].pk, workers[0].pk]}
    answer = _send(api, "post", "/api/v1/enrolments/proposals", body, Idempotency_Key="daftar-1")
    assert answer.status_code == 201, answer.content
    items = answer.json()["items"]
    assert [item["worker"] for item in items] == [workers[2].pk, workers[0].pk]
    assert {item["status"] for item in items} == {"diusulkan"}
    proposed = Enrolment.objects.filter(programme=programme)
    assert sorted(proposed.values_list("pk", flat=True)) == sorted(item["id"] for item in items)
    assert {e.regency_code for e in proposed} == {workers[0].regency_code}
    entries = AuditEntry.objects.filter(action="enrolment.proposed")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(str(item["id"]) for item in items)
    assert all(entry.channel.startswith("api client:") for entry in entries)
    # The same key again answers the same and proposes nothing twice.
    again = _send(api, "post", "/api/v1/enrolments/proposals", body, Idempotency_Key="daftar-1")
    assert again.json() == answer.json() and proposed.count() == 2
    by_nik = _send(api, "post", "/api/v1/enrolments/proposals", {"programme": programme.pk, "niks": [workers[1].nik]})
    assert by_nik.status_code == 201 and by_nik.json()["items"][0]["worker"] == workers[1].pk


def test_a_list_with_a_refused_worker_proposes_none_and_names_each_refused_place(programme):
    fresh, enrolled, twice = make_worker(), make_worker(), make_worker()
    make_enrolment(enrolled, programme)
    pontianak = make_worker(village=PONTIANAK_VILLAGE)
    api = _api_client("61.01")
    body = {"programme": programme.pk, "workers": [fresh.pk, enrolled.pk, twice.pk, twice.pk, pontianak.pk]}
    refused = _send(api, "post", "/api/v1/enrolments/proposals", body)
    assert refused.status_code == 422
    assert _fields(refused) == {
        "workers[1]": "This worker is already enrolled in programme KALBAR-2026.",
        "workers[3]": "This worker is listed twice.",
        # Outside the caller's region: not found, as a single proposal's 404.
        "workers[4]": "There is no worker with this id in your region.",
    }
    assert Enrolment.objects.filter(programme=programme).count() == 1
    assert not AuditEntry.objects.filter(action="enrolment.proposed").exists()
    unknown_nik = _send(
        api, "post", "/api/v1/enrolments/proposals", {"programme": programme.pk, "niks": [fresh.nik, pontianak.nik]}
    )
    assert _fields(unknown_nik) == {"niks[1]": "There is no worker with this NIK in your region."}
    both = _send(
        api,
        "post",
        "/api/v1/enrolments/proposals",
        {"programme": programme.pk, "workers": [fresh.pk], "niks": [fresh.nik]},
    )
    assert both.status_code == 422 and "workers" in _fields(both)
    too_many = _send(
        api, "post", "/api/v1/enrolments/proposals", {"programme": programme.pk, "workers": [fresh.pk] * 501}
    )
    assert too_many.status_code == 422
    closed = make_programme("TUTUP-2026", open_for_proposals=False)
    assert (
        "not open"
        in _fields(_send(api, "post", "/api/v1/enrolments/proposals", {"programme": closed.pk, "workers": [fresh.pk]}))[
            "programme"
        ]
    )
    assert Enrolment.objects.filter(programme=programme).count() == 1
