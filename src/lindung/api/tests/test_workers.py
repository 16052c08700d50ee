"""``/api/v1/workers`` through HTTP with real tokens: search, read (masked; the whole NIK audited), register,
correct with If-Match, scopes, and a Sambas client that cannot reach Kota Pontianak's workers."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lindung.accounts.api_access import api_client_create
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_nik, make_worker
from lindung.workers.models import Heir, Worker

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1980, 5, 17)
_clients = itertools.count(1)


def _api_client(region: str = "61.01", scopes: tuple[str, ...] = ("all",), name: str = "") -> Client:
    """A test browser holding a real access token of a new API client of ``region`` (client credentials)."""
    client, secret = api_client_create(
        actor=None, name=name or f"Sistem {next(_clients)}", region_code=region, scopes=list(scopes)
    )
    token = token_from_endpoint(client, secret)
    return Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def _send(client: Client, method: str, path: str, body: dict[str, Any], **headers: str) -> Any:
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", headers=headers)


def _registration(village: str = SAMBAS_VILLAGE, **overrides: Any) -> dict[str, Any]:
    birth_date = overrides.pop("birth_date", BIRTH)
    body: dict[str, Any] = {
        "nik": make_nik(district=village[:8], birth_date=birth_date),
        "name": "Rahmat Hidayat",
        "birth_place": "Sambas",
        "birth_date": birth_date.isoformat(),
        "sex": "L",
        "address": "Jl. Pasar No. 3",
        "village": village,
        "phone": "0812-3456-7890",
        "occupation": "marbot",
        "declared_income": 1_000_000,
        "heirs": [{"name": "Siti Aminah", "relation": "pasangan"}],
        "privacy_notice_version": 1,
    }
    body.update(overrides)
    return body


def _fields(answer: Any) -> dict[str, str]:
    assert answer["Content-Type"] == "application/problem+json"
    return {error["field"]: error["message"] for error in answer.json()["errors"]}


def test_search_by_whole_nik_finds_the_one_worker_with_the_nik_masked():
    worker = make_worker(name="Budi Santoso")
    make_worker(name="Budi Lain")
    api = _api_client()
    answer = api.get("/api/v1/workers", {"nik": worker.nik})
    assert answer.status_code == 200
    body = answer.json()
    assert [item["id"] for item in body["items"]] == [worker.pk]
    assert body["items"][0]["nik"] == worker.nik[:4] + "******" + worker.nik[-6:]
    assert body["next_cursor"] is None
    assert worker.nik not in answer.content.decode()
    # A NIK that is not 16 digits is refused with its field.
    refused = api.get("/api/v1/workers", {"nik": "6101"})
    assert refused.status_code == 422
    assert "nik" in _fields(refused)


def test_search_by_name_as_the_web_does_pages_by_cursor_and_never_shows_a_whole_nik():
    workers = [make_worker(name=f"Ahmad Suparman {n}") for n in range(3)]
    make_worker(name="Siti Aminah")
    api = _api_client()
    first = api.get("/api/v1/workers", {"q": "suparman ahmad", "limit": "2"})
    assert first.status_code == 200
    page = first.json()
    assert [item["id"] for item in page["items"]] == [workers[2].pk, workers[1].pk]
    second = api.get("/api/v1/workers", {"q": "suparman ahmad", "limit": "2", "cursor": page["next_cursor"]})
    assert [item["id"] for item in second.json()["items"]] == [workers[0].pk]
    assert second.json()["next_cursor"] is None
    text = first.content.decode() + second.content.decode()
    assert not any(worker.nik in text for worker in workers)
    # The last six digits of a NIK, as the web's search box takes them.
    tail = api.get("/api/v1/workers", {"q": workers[0].nik[-6:]})
    assert workers[0].pk in [item["id"] for item in tail.json()["items"]]
    # Too short a name is refused as the web refuses it, next to its field.
    short = api.get("/api/v1/workers", {"q": "ah"})
    assert short.status_code == 422
    assert _fields(short)["q"].startswith("Type at least 3 letters")


def test_a_record_is_masked_and_the_whole_nik_is_shown_only_when_asked_and_audited():
    worker = make_worker(name="Budi Santoso", kk_number="6101012345678901")
    Heir.objects.create(worker=worker, name="Siti", relation="pasangan", nik=make_nik(sex="P"))
    api = _api_client()
    answer = api.get(f"/api/v1/workers/{worker.pk}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["nik"] == worker.nik[:4] + "******" + worker.nik[-6:]
    assert (body["nik_whole"], body["birth_date"], body["kk_number"]) == (False, None, "6101******678901")
    assert body["heirs"][0]["name"] == "Siti" and "*" in body["heirs"][0]["nik"]
    assert answer["ETag"]
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()

    whole = api.get(f"/api/v1/workers/{worker.pk}", {"show_nik": "true"})
    assert whole.status_code == 200
    assert (whole.json()["nik"], whole.json()["birth_date"]) == (worker.nik, worker.birth_date.isoformat())
    # One tag for the record, whichever form of the NIK an answer shows.
    assert whole["ETag"] == answer["ETag"]
    entry = AuditEntry.objects.get(action="worker.nik_viewed", object_id=str(worker.pk))
    assert entry.channel.startswith("api client:")

    # A token whose scopes do not include the whole NIK (verify) reads the record, not the whole NIK.
    verifier = _api_client(scopes=("verify",))
    assert verifier.get(f"/api/v1/workers/{worker.pk}").status_code == 200
    assert verifier.get(f"/api/v1/workers/{worker.pk}", {"show_nik": "true"}).status_code == 403
    assert AuditEntry.objects.filter(action="worker.nik_viewed").count() == 1


def test_register_answers_201_with_location_and_writes_through_the_service_audited():
    api = _api_client()
    body = _registration(kk_number="6101.0123.4567.8901")
    answer = _send(api, "post", "/api/v1/workers", body)
    assert answer.status_code == 201, answer.content
    worker = Worker.objects.get(nik=body["nik"])
    assert answer["Location"] == f"/api/v1/workers/{worker.pk}"
    assert answer["ETag"]
    # The web form's reading: the occupation as typed, the phone and the KK number normalised.
    assert (worker.occupation.code, worker.phone, worker.kk_number) == (
        "KEAGAMAAN",
        "+6281234567890",
        "6101012345678901",
    )
    assert list(worker.heirs.values_list("name", "relation")) == [("Siti Aminah", "pasangan")]
    assert answer.json()["id"] == worker.pk
    entry = AuditEntry.objects.get(action="worker.registered", object_id=str(worker.pk))
    assert entry.channel.startswith("api client:")


def test_register_refused_names_the_field_and_writes_nothing():
    api = _api_client()
    # The birth date contradicts the NIK: the form's sentence, next to its field.
    mismatch = _send(api, "post", "/api/v1/workers", _registration(nik=make_nik(birth_date=dt.date(1981, 1, 1))))
    assert mismatch.status_code == 422
    assert "birth_date" in _fields(mismatch)
    # A NIK already registered.
    holder = make_worker()
    again = _send(api, "post", "/api/v1/workers", _registration(nik=holder.nik))
    assert again.status_code == 422
    assert _fields(again)["nik"].startswith("This NIK is already registered in")
    # An heir without a relation.
    heir = _send(api, "post", "/api/v1/workers", _registration(heirs=[{"name": "Siti", "relation": "teman"}]))
    assert heir.status_code == 422
    assert "heirs.0.relation" in _fields(heir)
    assert Worker.objects.count() == 1
    assert not AuditEntry.objects.filter(action="worker.registered").exists()


def test_a_likely_duplicate_is_refused_until_confirmed():
    make_worker(name="Siti Aminah", birth_date=BIRTH, sex="P")
    api = _api_client()
    body = _registration(name="Aminah, Siti", sex="P", nik=make_nik(birth_date=BIRTH, sex="P"))
    refused = _send(api, "post", "/api/v1/workers", body)
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:lindung:problem:likely-duplicate"
    assert "confirm_likely_duplicate" in _fields(refused)
    confirmed = _send(api, "post", "/api/v1/workers", {**body, "confirm_likely_duplicate": True})
    assert confirmed.status_code == 201


def test_correct_with_if_match_then_the_old_etag_is_stale():
    worker = make_worker(name="Budi Santoso")
    api = _api_client()
    etag = api.get(f"/api/v1/workers/{worker.pk}")["ETag"]
    changed = _send(api, "patch", f"/api/v1/workers/{worker.pk}", {"address": "Jl. Baru No. 9"}, If_Match=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["address"] == "Jl. Baru No. 9"
    assert changed["ETag"] != etag
    worker.refresh_from_db()
    assert (worker.address, worker.name) == ("Jl. Baru No. 9", "Budi Santoso")
    entry = AuditEntry.objects.get(action="worker.changed", object_id=str(worker.pk))
    assert entry.changes["address"] == ["Jl. Contoh No. 1", "Jl. Baru No. 9"]

    stale = _send(api, "patch", f"/api/v1/workers/{worker.pk}", {"address": "Jl. Lama"}, If_Match=etag)
    assert stale.status_code == 412
    worker.refresh_from_db()
    assert worker.address == "Jl. Baru No. 9"
    # The current tag is taken; a refused value is a 422 next to its field.
    refused = _send(api, "patch", f"/api/v1/workers/{worker.pk}", {"phone": "12"}, If_Match=changed["ETag"])
    assert refused.status_code == 422
    assert "phone" in _fields(refused)


def test_a_token_without_the_needed_scope_is_refused_403():
    worker = make_worker()
    figures = _api_client(scopes=("figures",))
    assert figures.get("/api/v1/workers", {"nik": worker.nik}).status_code == 403
    assert figures.get(f"/api/v1/workers/{worker.pk}").status_code == 403
    reader = _api_client(scopes=("registry.read",))
    assert reader.get(f"/api/v1/workers/{worker.pk}").status_code == 200
    assert _send(reader, "post", "/api/v1/workers", _registration()).status_code == 403
    assert _send(reader, "patch", f"/api/v1/workers/{worker.pk}", {"address": "Jl. X"}).status_code == 403
    assert Worker.objects.count() == 1


def test_a_sambas_client_cannot_read_find_count_or_change_a_pontianak_worker():
    pontianak = make_worker(village=PONTIANAK_VILLAGE, name="Yohanes Pontianak")
    sambas = _api_client("61.01")
    assert sambas.get(f"/api/v1/workers/{pontianak.pk}").status_code == 404
    assert sambas.get(f"/api/v1/workers/{pontianak.pk}", {"show_nik": "true"}).status_code == 404
    assert sambas.get("/api/v1/workers", {"nik": pontianak.nik}).json()["items"] == []
    assert sambas.get("/api/v1/workers", {"q": "Yohanes"}).json()["items"] == []
    assert sambas.get("/api/v1/workers", {"q": "Yohanes", "regency": "61.71"}).json()["items"] == []
    assert sambas.get("/api/v1/workers").json()["items"] == []
    patched = _send(sambas, "patch", f"/api/v1/workers/{pontianak.pk}", {"address": "Jl. X"})
    assert patched.status_code == 404
    # Nor register a worker in a Pontianak village.
    outside = _send(sambas, "post", "/api/v1/workers", _registration(village=PONTIANAK_VILLAGE))
    assert outside.status_code == 422
    assert "village" in _fields(outside)
    pontianak.refresh_from_db()
    assert pontianak.address == "Jl. Contoh No. 1"
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()
    # The same worker is found by a Pontianak client.
    assert _api_client("61.71").get(f"/api/v1/workers/{pontianak.pk}").status_code == 200


def test_search_by_whole_nik_is_one_query_on_the_nik_index_without_count_or_offset():
    """The speed the benchmark measures at a million workers, held here by the plan: the route's query of the
    registry reads the NIK's unique index, and neither counts nor skips rows."""
    occupation = make_worker().occupation
    workers = [
        Worker(
            nik=make_nik(birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000)),
            name=f"Pekerja {n}",
            birth_place="Sambas",
            birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000),
            sex="L",
            address="Jl. Contoh",
            village_id=SAMBAS_VILLAGE,
            province_code="61",
            regency_code="61.01",
            occupation=occupation,
        )
        for n in range(3_000)
    ]
    Worker.objects.bulk_create(workers)
    wanted = Worker.objects.order_by("?").first()
    assert wanted is not None
    api = _api_client()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workers_worker" if connection.vendor == "postgresql" else "ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        answer = api.get("/api/v1/workers", {"nik": wanted.nik})
    assert [item["id"] for item in answer.json()["items"]] == [wanted.pk]
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "workers_worker"' in q["sql"]]
    assert len(reads) == 1
    assert "COUNT(" not in reads[0].upper() and "OFFSET" not in reads[0].upper()
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + reads[0])
        plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    # SQLite names the unique constraint's index its own way (sqlite_autoindex_...), searched by the NIK.
    assert (
        ("worker_nik_unique" in plan) if connection.vendor == "postgresql" else ("INDEX" in plan and "(nik=?)" in plan)
    )
