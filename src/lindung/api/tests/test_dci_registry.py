"""Lindung as a DCI beneficiary registry (``/api/v1/dci/registry/sync/search`` and ``sync/enrolled``): requests
built from the standard's own examples (``data/``) answered as the standard says, within the caller's region."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lindung.accounts.api_access import api_client_create, personal_token_create
from lindung.accounts.models import Role
from lindung.api.dci.signing import jwks, verify
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.contributions.coverage_day import coverage_on
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
)
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
SEARCH = "/api/v1/dci/registry/sync/search"
ENROLLED = "/api/v1/dci/registry/sync/enrolled"
EXAMPLE_NIK = "6101011705809001"  # the NIK the example messages ask for (a Sambas NIK)
PONTIANAK_NIK = "6171014408850002"


def _message(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _token(name: str, region: str, scopes: tuple[str, ...] = ("registry.read",)) -> str:
    client, secret = api_client_create(actor=None, name=name, region_code=region, scopes=list(scopes))
    return token_from_endpoint(client, secret)


def _post(token: str, path: str, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(path, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _by_nik(nik: str) -> dict[str, Any]:
    body = _message("dci_search_idtype_value.json")
    body["message"]["search_request"][0]["search_criteria"]["query"]["value"] = nik
    return body


def _enrolled_for(nik: str) -> dict[str, Any]:
    body = _message("dci_enrolled.json")
    body["message"]["enrolled_criteria"]["query"]["$and"][0]["person_identifier"]["eq"] = nik
    return body


def _records(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.content
    item = answer.json()["message"]["search_response"][0]
    assert item["status"] == "succ", item
    return list(item["data"]["reg_records"])


def _without_ids(answer: Any) -> dict[str, Any]:
    """An answer without what differs between any two answers (ids, times, and so the signature)."""
    body = copy.deepcopy(answer.json())
    body.pop("signature")
    for key in ("message_id", "message_ts"):
        body["header"].pop(key)
    body["message"].pop("correlation_id")
    for item in body["message"].get("search_response", []) + body["message"].get("enrolled_response", []):
        item.pop("timestamp")
    return dict(body)


@pytest.fixture
def programme() -> Programme:
    return make_programme("KALBAR-2026", year=2026)


@pytest.fixture
def sambas_worker(programme: Programme) -> Worker:
    worker = make_worker(nik=EXAMPLE_NIK, name="Budi Santoso", village=SAMBAS_VILLAGE)
    make_enrolment(worker, programme, Status.ACTIVE)
    return worker


@pytest.fixture
def pontianak_worker(programme: Programme) -> Worker:
    worker = make_worker(nik=PONTIANAK_NIK, name="Siti Aminah", village=PONTIANAK_VILLAGE, sex="P")
    make_enrolment(worker, programme, Status.ACTIVE)
    return worker


@pytest.fixture
def sambas_token() -> str:
    return _token("Sistem Kabupaten Sambas", "61.01")


def test_the_standards_search_by_nik_is_answered_with_the_beneficiary(sambas_worker: Worker, sambas_token: str) -> None:
    answer = _post(sambas_token, SEARCH, _message("dci_search_idtype_value.json"))

    assert answer.status_code == 200, answer.content
    body = answer.json()
    verify(body, jwks()["keys"])  # signed by Lindung: it verifies with the key published at /.well-known/jwks.json
    header = body["header"]
    assert header["action"] == "on-search"
    assert header["status"] == "succ"
    assert header["receiver_id"] == "spp.example.org"
    assert (header["total_count"], header["completed_count"]) == (1, 1)
    assert body["message"]["transaction_id"] == "0123456789"
    item = body["message"]["search_response"][0]
    assert item["reference_id"] == "12345678901234567890"
    assert item["status"] == "succ"
    # The example asks for 2000 a page: Lindung answers at most 50 and says so.
    assert item["pagination"] == {"page_size": 50, "page_number": 1, "total_count": 1}
    assert item["data"]["reg_type"] == "ns:org:RegistryType:IBR"
    assert item["data"]["reg_record_type"] == "Beneficiary"
    (record,) = item["data"]["reg_records"]
    member = record["member"]
    assert member["member_identifier"] == str(sambas_worker.pk)
    person = member["demographic_info"]["person"]
    assert person["identifier_type"] == "NIK"
    assert person["identifier_value"] == EXAMPLE_NIK
    assert person["name"]["first_name"] == "Budi Santoso"
    assert (person["sex"], person["birth_date"]) == ("M", "1980-05-17")
    enrolment = member["programme_identifier"]
    assert enrolment["programme"]["programme_identifier"] == "KALBAR-2026"
    assert enrolment["enrolment_status"] == "Active"
    benefits = enrolment["benefits"]
    assert benefits["benefit_type"] == "Insurance"
    assert benefits["benefit_value"] == "JKK, JKM"
    insurance = benefits["insurance"]
    assert insurance["components"] == ["JKK", "JKM"]
    assert (insurance["coverage_start"], insurance["coverage_end"]) == ("2026-01-01", "")
    row = Enrolment.objects.get(worker=sambas_worker)
    assert (
        insurance["coverage_status"] == coverage_on(row, timezone.localdate()).reason
    )  # the contributions' own answer
    assert {"name": "lindung_status", "value": "aktif"} in member["additional_attributes"]
    # The whole NIK and birth date were answered: audited as the worker page audits them.
    viewed = AuditEntry.objects.get(action="worker.nik_viewed", object_id=str(sambas_worker.pk))
    assert viewed.channel.startswith("api ")


def test_a_person_whose_role_never_sees_a_whole_nik_gets_it_masked(sambas_worker: Worker) -> None:
    finance = make_user("keuangan_sambas", Role.KEUANGAN, "61.01")
    token = personal_token_create(user=finance, name="Skrip", scopes=["registry.read"], days=7).raw

    (record,) = _records(_post(token, SEARCH, _message("dci_search_idtype_value.json")))

    person = record["member"]["demographic_info"]["person"]
    assert (person["identifier_type"], person["identifier_value"]) == ("NIK_MASKED", nik_mask(EXAMPLE_NIK))
    assert person["birth_date"] == ""
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_an_unknown_nik_is_not_found(sambas_token: str, programme: Programme) -> None:
    answer = _post(sambas_token, SEARCH, _by_nik("6101011705809999"))

    assert _records(answer) == []
    assert answer.json()["message"]["search_response"][0]["pagination"]["total_count"] == 0
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_a_sambas_client_cannot_find_a_pontianak_worker(
    sambas_token: str, pontianak_worker: Worker, sambas_worker: Worker
) -> None:
    outside = _post(sambas_token, SEARCH, _by_nik(PONTIANAK_NIK))
    unknown = _post(sambas_token, SEARCH, _by_nik("6171014408859999"))

    assert _records(outside) == []
    assert _without_ids(outside) == _without_ids(unknown)  # the same answer as a NIK nobody holds
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()

    by_region = _message("dci_search_predicate.json")
    by_region["message"]["search_request"][0]["search_criteria"]["query"][0]["expression1"]["attribute_value"] = "61.71"
    answer = _post(sambas_token, SEARCH, by_region)
    assert _records(answer) == []
    assert answer.json()["message"]["search_response"][0]["pagination"]["total_count"] == 0

    enrolled = _post(sambas_token, ENROLLED, _enrolled_for(PONTIANAK_NIK))
    assert enrolled.json()["message"]["enrolled_response"][0]["enrolled_status"] == "no"
    assert _without_ids(enrolled) == _without_ids(_post(sambas_token, ENROLLED, _enrolled_for("6171014408859999")))

    # Kota Pontianak's own client finds its worker.
    pontianak_token = _token("Sistem Kota Pontianak", "61.71")
    (record,) = _records(_post(pontianak_token, SEARCH, _by_nik(PONTIANAK_NIK)))
    assert record["member"]["demographic_info"]["person"]["identifier_value"] == PONTIANAK_NIK
    enrolled = _post(pontianak_token, ENROLLED, _enrolled_for(PONTIANAK_NIK))
    assert enrolled.json()["message"]["enrolled_response"][0]["enrolled_status"] == "yes"


def test_the_standards_predicate_search_finds_the_regions_active_beneficiaries_with_masked_niks(
    sambas_token: str, programme: Programme, sambas_worker: Worker, pontianak_worker: Worker
) -> None:
    second = make_worker(name="Agus Salim")
    make_enrolment(second, programme, Status.ACTIVE)
    make_enrolment(make_worker(name="Dewi Lestari"), programme, Status.PROPOSED)
    other_programme = make_programme("SAMBAS-2026", region_id="61.01")
    make_enrolment(make_worker(name="Rudi Hartono"), other_programme, Status.ACTIVE)

    records = _records(_post(sambas_token, SEARCH, _message("dci_search_predicate.json")))

    people = {r["member"]["demographic_info"]["person"]["identifier_value"] for r in records}
    assert people == {nik_mask(sambas_worker.nik), nik_mask(second.nik)}
    for record in records:
        person = record["member"]["demographic_info"]["person"]
        assert person["identifier_type"] == "NIK_MASKED"
        assert person["birth_date"] == ""
        assert record["member"]["programme_identifier"]["enrolment_status"] == "Active"
        # A list does not evaluate today's cover of each enrolment (a search by NIK does).
        assert record["member"]["programme_identifier"]["benefits"]["insurance"]["coverage_status"] == ""
    assert not AuditEntry.objects.filter(action="worker.nik_viewed").exists()


def test_predicates_on_lindungs_status_and_the_standards_deceased(sambas_token: str, programme: Programme) -> None:
    proposed = make_worker(name="Dewi Lestari")
    make_enrolment(proposed, programme, Status.PROPOSED)
    died = make_worker(name="Hasan Basri")
    make_enrolment(died, programme, Status.ENDED, end_reason=EndReason.DIED)
    body = _message("dci_search_predicate.json")
    criteria = body["message"]["search_request"][0]["search_criteria"]

    criteria["query"][1]["expression1"]["attribute_value"] = "diusulkan"
    (record,) = _records(_post(sambas_token, SEARCH, body))
    assert record["member"]["programme_identifier"]["enrolment_status"] == ""
    assert {"name": "lindung_status", "value": "diusulkan"} in record["member"]["additional_attributes"]

    criteria["query"][1]["expression1"]["attribute_value"] = "Deceased"
    (record,) = _records(_post(sambas_token, SEARCH, body))
    assert record["member"]["member_identifier"] == str(died.pk)
    assert record["member"]["programme_identifier"]["enrolment_status"] == "Deceased"


def test_pages_count_from_one_and_are_bounded(sambas_token: str, programme: Programme) -> None:
    for name in ("Agus Salim", "Budi Santoso", "Citra Dewi"):
        make_enrolment(make_worker(name=name), programme, Status.ACTIVE)
    body = _message("dci_search_predicate.json")
    pagination = body["message"]["search_request"][0]["search_criteria"]["pagination"]

    pagination.update(page_size=2, page_number=2)
    answer = _post(sambas_token, SEARCH, body)
    assert len(_records(answer)) == 1
    assert answer.json()["message"]["search_response"][0]["pagination"] == {
        "page_size": 2,
        "page_number": 2,
        "total_count": 3,
    }

    for page_size, page_number in ((0, 1), (2, 0), (50, 10_000)):
        pagination.update(page_size=page_size, page_number=page_number)
        item = _post(sambas_token, SEARCH, body).json()["message"]["search_response"][0]
        assert item["status"] == "rjct"
        assert item["status_reason_code"] == "rjct.pagination.invalid"
        assert "data" not in item or item["data"] is None


def test_the_standards_enrolment_check(sambas_token: str, programme: Programme, sambas_worker: Worker) -> None:
    answer = _post(sambas_token, ENROLLED, _message("dci_enrolled.json"))

    assert answer.status_code == 200, answer.content
    body = answer.json()
    verify(body, jwks()["keys"])
    assert (body["header"]["action"], body["header"]["status"]) == ("on-enrolled", "succ")
    assert body["message"]["transaction_id"] == "0123456791"
    (item,) = body["message"]["enrolled_response"]
    assert (item["reference_id"], item["status"], item["enrolled_status"]) == ("0123456791", "succ", "yes")

    proposed = make_worker(name="Dewi Lestari")
    make_enrolment(proposed, programme, Status.PROPOSED)
    for nik in (proposed.nik, "6101011705809999"):
        item = _post(sambas_token, ENROLLED, _enrolled_for(nik)).json()["message"]["enrolled_response"][0]
        assert (item["status"], item["enrolled_status"]) == ("succ", "no")

    by_id = _message("dci_enrolled.json")
    by_id["message"]["enrolled_criteria"] |= {
        "query_type": "idtype-value",
        "query": {"type": "NIK", "value": EXAMPLE_NIK},
    }
    item = _post(sambas_token, ENROLLED, by_id).json()["message"]["enrolled_response"][0]
    assert item["enrolled_status"] == "yes"


def test_each_request_that_cannot_be_answered_is_refused_with_the_standards_reason(
    sambas_token: str, sambas_worker: Worker
) -> None:
    body = _message("dci_search_idtype_value.json")
    good = body["message"]["search_request"][0]
    refused = []
    for query_type, query in (
        ("idtype-value", {"type": "UIN", "value": "12314567890"}),  # the standard's own identifier type
        ("idtype-value", {"type": "NIK", "value": "61010117"}),
        ("predicate", [{"expression1": {"attribute_name": "YOB", "operator": "eq", "attribute_value": "1980"}}]),
        ("predicate", [{"expression1": {"attribute_name": "region", "operator": "gt", "attribute_value": "61"}}]),
        ("expression", {"type": "ns:org:QueryType:GraphQl", "value": {"expression": "query { person }"}}),
        ("expression", {"$and": [{"programme": {"eq": "KALBAR\u00002026"}}]}),
        ("expression", {"$and": [{"region": {"eq": 61.01}}]}),
    ):
        item = copy.deepcopy(good)
        item["search_criteria"] |= {"query_type": query_type, "query": query}
        refused.append(item)
    body["message"]["search_request"] = [good, *refused]
    body["header"]["total_count"] = len(body["message"]["search_request"])

    answer = _post(sambas_token, SEARCH, body)

    assert answer.status_code == 200, answer.content
    items = answer.json()["message"]["search_response"]
    assert answer.json()["header"]["status"] == "succ"
    assert items[0]["status"] == "succ"
    assert len(items[0]["data"]["reg_records"]) == 1
    for item in items[1:]:
        assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.search_criteria.invalid"), item
        assert item["status_reason_message"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"action": "subscribe"}, "rjct.action.invalid"),
        ({"total_count": 21800}, "rjct.total_count.invalid"),  # the standard's example count
        ({"version": "2.0.0"}, "rjct.version.invalid"),
        ({"is_msg_encrypted": True}, "rjct.action.not_supported"),
    ],
)
def test_a_header_lindung_does_not_answer_is_rejected_in_the_answers_header(
    sambas_token: str, change: dict[str, Any], code: str
) -> None:
    body = _message("dci_search_idtype_value.json")
    body["header"] |= change

    answer = _post(sambas_token, SEARCH, body)

    assert answer.status_code == 200, answer.content
    header = answer.json()["header"]
    assert (header["status"], header["status_reason_code"]) == ("rjct", code)
    assert header["status_reason_message"]
    assert answer.json()["message"]["search_response"] == []


def test_too_many_requests_in_one_message_are_rejected(sambas_token: str) -> None:
    body = _message("dci_search_idtype_value.json")
    body["message"]["search_request"] *= 21
    body["header"]["total_count"] = 21

    header = _post(sambas_token, SEARCH, body).json()["header"]

    assert (header["status"], header["status_reason_code"]) == ("rjct", "rjct.total_count.limit_exceeded")


def _malformed() -> list[Any]:
    example = _message("dci_search_idtype_value.json")

    def changed(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
        body = copy.deepcopy(example)
        node: Any = body
        for key in path[:-1]:
            node = node[key]
        if value is _DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
        return body

    item = ("message", "search_request", 0)
    return [
        "[]",
        '"search"',
        "{}",
        changed(("header",), _DELETE),
        changed(("message",), _DELETE),
        changed(("header", "message_id"), _DELETE),
        changed(("header", "message_ts"), "yesterday"),
        changed(("header", "message_ts"), ""),  # the standard's own example value
        changed(("header", "total_count"), "many"),
        changed(("header", "sender_id"), "x" * 10_000),
        changed(("message", "transaction_id"), 123456789),
        changed(("message", "search_request"), []),
        changed(("message", "search_request"), {"reference_id": "1"}),
        changed((*item, "search_criteria", "query_type"), "sql"),
        changed((*item, "search_criteria", "query"), "NIK=6101011705809001"),
        changed((*item, "timestamp"), "2022-13-45"),
        changed((*item, "search_criteria", "query"), [{"expression1": {"attribute_name": "region"}}]),
        changed((*item, "search_criteria", "pagination"), {"page_number": 1}),
        changed((*item, "search_criteria", "pagination"), {"page_size": "all"}),
        changed((*item, "search_criteria"), _DELETE),
        changed((*item, "reference_id"), "r" * 100),
        changed(("signature",), ["not", "a", "string"]),
        # Values of another JSON type than the standard's are refused, not converted.
        changed((*item, "search_criteria", "pagination"), {"page_size": 10, "page_number": False}),
        changed(("header", "total_count"), "1"),
        changed(("header", "message_ts"), 1670188807),
    ]


_DELETE = object()


@pytest.mark.parametrize("index", range(25))
def test_a_malformed_envelope_is_a_problem_never_a_server_error(sambas_token: str, index: int) -> None:
    malformed = _malformed()
    assert len(malformed) == 25

    answer = _post(sambas_token, SEARCH, malformed[index])

    assert answer.status_code == 422, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 422


def test_a_body_that_is_not_json_is_a_problem(sambas_token: str) -> None:
    answer = _post(sambas_token, SEARCH, "{not json")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"


def test_a_malformed_enrolment_check_is_a_problem(sambas_token: str) -> None:
    body = _message("dci_enrolled.json")
    del body["message"]["enrolled_criteria"]["query_type"]

    answer = _post(sambas_token, ENROLLED, body)

    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"


def test_the_scope_registry_read_is_needed(sambas_worker: Worker) -> None:
    token = _token("Sistem Pengusul Sambas", "61.01", scopes=("propose",))

    for path, body in ((SEARCH, _message("dci_search_idtype_value.json")), (ENROLLED, _message("dci_enrolled.json"))):
        answer = _post(token, path, body)
        assert answer.status_code == 403
        assert answer["Content-Type"] == "application/problem+json"
    assert Client().post(SEARCH, data="{}", content_type="application/json").status_code == 401


def test_a_refusal_is_said_in_the_requests_language(sambas_token: str) -> None:
    body = _by_nik("61010117")
    body["message"]["search_request"][0]["locale"] = "ind"

    item = _post(sambas_token, SEARCH, body).json()["message"]["search_response"][0]

    assert item["status_reason_code"] == "rjct.search_criteria.invalid"
    assert item["status_reason_message"] == "NIK terdiri atas 16 digit."


def test_a_page_of_a_list_costs_the_same_few_queries_whatever_its_length(
    sambas_token: str, programme: Programme
) -> None:
    for index in range(3):
        make_enrolment(make_worker(name=f"Pekerja {index}"), programme, Status.ACTIVE)
    body = _message("dci_search_predicate.json")
    with CaptureQueriesContext(connection) as few:
        assert len(_records(_post(sambas_token, SEARCH, body))) == 3
    for index in range(3, 30):
        make_enrolment(make_worker(name=f"Pekerja {index}"), programme, Status.ACTIVE)

    with CaptureQueriesContext(connection) as many:
        assert len(_records(_post(sambas_token, SEARCH, body))) == 30

    def reads(queries: CaptureQueriesContext) -> list[str]:  # the search's own, not the token's and its rate
        return [query["sql"] for query in queries.captured_queries if "enrolments_enrolment" in query["sql"]]

    assert len(reads(many)) == len(reads(few)) <= 3
