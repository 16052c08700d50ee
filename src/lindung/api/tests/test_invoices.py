"""``/api/v1/invoices`` and ``/api/v1/payments`` through HTTP with real tokens: listing, reading with an ETag,
building and issuing (If-Match), the lines streamed as CSV and JSON lines (audited), payments recorded and
reversed, refusals with their field, a token without the finance scope, and Sambas never seeing Pontianak."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lindung.api.tests.money_support import (
    TwoRegencies,
    api_caller,
    entries_after,
    issued,
    last_entry,
    problem_fields,
    two_regencies,
)
from lindung.contributions.billing import invoice_build
from lindung.contributions.models import Invoice, InvoiceStatus, Payment
from lindung.contributions.payments import payment_record
from lindung.contributions.selectors import invoice_paid_amount

pytestmark = pytest.mark.django_db


@pytest.fixture
def regencies() -> TwoRegencies:
    return two_regencies()


@pytest.fixture
def sambas(regencies: TwoRegencies):
    return api_caller("61.01", "finance")


def _streamed(response) -> str:
    assert response.streaming, "the lines must be streamed, not built in memory"
    return b"".join(response.streaming_content).decode()


def test_the_list_holds_the_callers_invoices_only_and_filters_as_asked(regencies, sambas):
    january = issued(regencies.sambas, 1)
    february = invoice_build(actor=None, programme=regencies.sambas, month=january.month.replace(month=2))
    hidden = issued(regencies.pontianak, 1)

    answer = sambas.get("/api/v1/invoices")
    assert answer.status_code == 200
    ids = [item["id"] for item in answer.json()["items"]]
    assert ids == [february.pk, january.pk]  # newest first
    assert hidden.pk not in ids
    item = answer.json()["items"][1]
    assert item["month"] == "2026-01" and item["status"] == "issued"
    assert item["total"] == january.total and isinstance(item["total"], int) and item["line_count"] == 2
    assert item["programme"]["code"] == "SAMBAS-2026"

    assert [i["id"] for i in sambas.get("/api/v1/invoices", {"status": "draft"}).json()["items"]] == [february.pk]
    assert [i["id"] for i in sambas.get("/api/v1/invoices", {"month": "2026-01"}).json()["items"]] == [january.pk]
    # Pontianak's programme as a filter: nothing, never its invoices.
    assert sambas.get("/api/v1/invoices", {"programme": regencies.pontianak.pk}).json()["items"] == []

    first = sambas.get("/api/v1/invoices", {"limit": 1}).json()
    assert [i["id"] for i in first["items"]] == [february.pk] and first["next_cursor"]
    second = sambas.get("/api/v1/invoices", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == [january.pk] and second["next_cursor"] is None

    refused = sambas.get("/api/v1/invoices", {"month": "2026-13"})
    assert refused.status_code == 422 and problem_fields(refused) == ["month"]


def test_a_read_carries_an_etag_and_another_regencys_invoice_is_not_found(regencies, sambas):
    january = issued(regencies.sambas, 1)
    answer = sambas.get(f"/api/v1/invoices/{january.pk}")
    assert answer.status_code == 200 and answer["ETag"].startswith('"')
    assert answer.json()["outstanding"] == january.total and answer.json()["paid"] == 0

    hidden = issued(regencies.pontianak, 1)
    for path in (f"/api/v1/invoices/{hidden.pk}", f"/api/v1/invoices/{hidden.pk}/lines", "/api/v1/invoices/999999"):
        missing = sambas.get(path)
        assert missing.status_code == 404, path
        assert missing["Content-Type"] == "application/problem+json"
    # The same bytes for another region's invoice and one that does not exist.
    assert sambas.get(f"/api/v1/invoices/{hidden.pk}").content == sambas.get("/api/v1/invoices/999999").content


def test_building_and_issuing_through_the_billing_service_with_if_match(regencies, sambas):
    mark = last_entry()
    built = sambas.post("/api/v1/invoices", {"programme": regencies.sambas.pk, "month": "2026-03"})
    assert built.status_code == 201, built.content
    invoice = Invoice.objects.get(pk=built.json()["id"])
    assert built["Location"] == f"/api/v1/invoices/{invoice.pk}"
    assert invoice.is_draft and invoice.line_count == 2 and built.json()["total"] == invoice.total
    [entry] = entries_after(mark, "invoice.built")
    assert entry.actor == sambas.user and entry.channel == sambas.principal

    stale = sambas.get(f"/api/v1/invoices/{invoice.pk}")["ETag"]
    # Built again meanwhile (as the web's "build again" does): the draft read before is not the one to issue.
    rebuilt = sambas.post("/api/v1/invoices", {"programme": regencies.sambas.pk, "month": "2026-03"})
    assert rebuilt.status_code == 201 and rebuilt.json()["id"] == invoice.pk
    refused = sambas.post(f"/api/v1/invoices/{invoice.pk}/issue", {}, **{"If-Match": stale})
    assert refused.status_code == 412
    invoice.refresh_from_db()
    assert invoice.is_draft

    current = sambas.get(f"/api/v1/invoices/{invoice.pk}")["ETag"]
    done = sambas.post(f"/api/v1/invoices/{invoice.pk}/issue", {}, **{"If-Match": current})
    assert done.status_code == 200 and done.json()["status"] == "issued"
    assert done["ETag"] != current
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.issued_by == sambas.user

    again = sambas.post("/api/v1/invoices", {"programme": regencies.sambas.pk, "month": "2026-03"})
    assert again.status_code == 422  # an issued month never changes


def test_building_is_refused_with_the_field(regencies, sambas):
    outside = sambas.post("/api/v1/invoices", {"programme": regencies.sambas.pk, "month": "2027-01"})
    assert outside.status_code == 422 and problem_fields(outside) == ["month"]
    assert "outside the coverage period" in outside.json()["detail"]
    theirs = sambas.post("/api/v1/invoices", {"programme": regencies.pontianak.pk, "month": "2026-01"})
    assert theirs.status_code == 422 and problem_fields(theirs) == ["programme"]
    assert not Invoice.objects.filter(programme=regencies.pontianak).exists()
    malformed = sambas.post("/api/v1/invoices", {"programme": 0, "month": "March"})
    assert malformed.status_code == 422 and sorted(problem_fields(malformed)) == ["month", "programme"]
    issued_pontianak = issued(regencies.pontianak, 1)
    assert sambas.post(f"/api/v1/invoices/{issued_pontianak.pk}/issue").status_code == 404


def test_the_lines_stream_as_csv_and_as_json_lines_with_the_nik_masked_and_audited(regencies, sambas):
    january = issued(regencies.sambas, 1)
    niks = {e.worker.nik for e in regencies.sambas_enrolments}
    mark = last_entry()

    as_csv = sambas.get(f"/api/v1/invoices/{january.pk}/lines", Accept="text/csv")
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert 'filename="tagihan-SAMBAS-2026-2026-01.csv"' in as_csv["Content-Disposition"]
    text = _streamed(as_csv)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 and {r["name"] for r in rows} == {"Budi Santoso", "Siti Aminah"}
    assert sum(int(r["amount"]) for r in rows) == january.total
    assert {r["month"] for r in rows} == {"2026-01"} and {r["kind"] for r in rows} == {"normal"}
    assert all("*" in r["nik_masked"] for r in rows)
    assert not any(nik in text for nik in niks), "a whole NIK in a list of lines"

    as_jsonl = sambas.get(f"/api/v1/invoices/{january.pk}/lines", {"format": "jsonl"})
    assert as_jsonl.status_code == 200 and as_jsonl["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in _streamed(as_jsonl).splitlines()]
    assert len(lines) == 2 and sum(line["amount"] for line in lines) == january.total
    assert {line["enrolment_id"] for line in lines} == {e.pk for e in regencies.sambas_enrolments}
    assert {line["regency_code"] for line in lines} == {"61.01"}

    # Accept names the JSON lines too; ?format= wins over Accept.
    assert (
        sambas.get(f"/api/v1/invoices/{january.pk}/lines", Accept="application/x-ndjson")["Content-Type"]
        == "application/x-ndjson"
    )
    wins = sambas.get(f"/api/v1/invoices/{january.pk}/lines", {"format": "csv"}, Accept="application/x-ndjson")
    assert wins["Content-Type"].startswith("text/csv")

    entries = entries_after(mark, "invoice.exported")
    assert [e.changes["format"][1] for e in entries] == ["csv", "jsonl", "jsonl", "csv"]
    assert all(e.actor == sambas.user and e.channel == sambas.principal for e in entries)

    unknown = sambas.get(f"/api/v1/invoices/{january.pk}/lines", {"format": "xlsx"})
    assert unknown.status_code == 422 and problem_fields(unknown) == ["format"]


def test_a_payment_is_recorded_and_reversed_through_the_payment_services(regencies, sambas):
    january = issued(regencies.sambas, 1)
    mark = last_entry()
    paid = sambas.post(
        f"/api/v1/invoices/{january.pk}/payments",
        {"paid_on": "2026-02-10", "amount": january.total + 5_000, "reference": "SP2D-0001/2026"},
    )
    assert paid.status_code == 201, paid.content
    body = paid.json()
    assert body["allocations"] == [{"invoice": january.pk, "month": "2026-01", "amount": january.total}]
    assert body["unallocated"] == 5_000 and paid["Location"] == f"/api/v1/payments/{body['id']}"
    january.refresh_from_db()
    assert january.status == InvoiceStatus.PAID
    [entry] = entries_after(mark, "payment.recorded")
    assert entry.channel == sambas.principal

    stale = paid["ETag"]
    assert sambas.get(f"/api/v1/payments/{body['id']}")["ETag"] == stale
    # The payment changes meanwhile (its note, corrected elsewhere): the ETag read before is stale.
    payment = Payment.objects.get(pk=body["id"])
    Payment.objects.filter(pk=payment.pk).update(note="corrected on the web")
    refused = sambas.post(f"/api/v1/payments/{payment.pk}/reverse", {"reason": "Salah input"}, **{"If-Match": stale})
    assert refused.status_code == 412
    payment.refresh_from_db()
    assert not payment.is_reversed

    current = sambas.get(f"/api/v1/payments/{payment.pk}")["ETag"]
    reversed_ = sambas.post(
        f"/api/v1/payments/{payment.pk}/reverse", {"reason": "Salah input"}, **{"If-Match": current}
    )
    assert reversed_.status_code == 200 and reversed_.json()["reversed"] is True
    january.refresh_from_db()
    assert january.status == InvoiceStatus.ISSUED and invoice_paid_amount(january) == 0

    twice = sambas.post(f"/api/v1/payments/{payment.pk}/reverse", {"reason": "Lagi"})
    assert twice.status_code == 422  # already reversed


def test_payments_are_refused_with_the_field(regencies, sambas):
    draft = invoice_build(actor=None, programme=regencies.sambas, month=regencies.sambas.coverage_start)
    on_draft = sambas.post(
        f"/api/v1/invoices/{draft.pk}/payments", {"paid_on": "2026-02-10", "amount": 1000, "reference": "X"}
    )
    assert on_draft.status_code == 422 and problem_fields(on_draft) == ["invoice"]
    february = issued(regencies.sambas, 2)
    nothing = sambas.post(
        f"/api/v1/invoices/{february.pk}/payments", {"paid_on": "2026-02-10", "amount": 0, "reference": "X"}
    )
    assert nothing.status_code == 422 and problem_fields(nothing) == ["amount"]
    blank = sambas.post(
        f"/api/v1/invoices/{february.pk}/payments", {"paid_on": "2026-02-10", "amount": 10, "reference": "   "}
    )
    assert blank.status_code == 422 and problem_fields(blank) == ["reference"]
    assert not Payment.objects.exists()
    no_reason = sambas.post("/api/v1/payments/1/reverse", {})
    assert no_reason.status_code == 422 and problem_fields(no_reason) == ["reason"]


def test_sambas_cannot_pay_read_or_reverse_a_payment_of_pontianak(regencies, sambas):
    theirs = issued(regencies.pontianak, 1)
    answer = sambas.post(
        f"/api/v1/invoices/{theirs.pk}/payments", {"paid_on": "2026-02-10", "amount": 1000, "reference": "X"}
    )
    assert answer.status_code == 404
    payment = payment_record(
        actor=None, programme=regencies.pontianak, paid_on=theirs.month, amount=theirs.total, reference="SP2D-P"
    )
    assert sambas.get(f"/api/v1/payments/{payment.pk}").status_code == 404
    assert sambas.post(f"/api/v1/payments/{payment.pk}/reverse", {"reason": "x"}).status_code == 404
    payment.refresh_from_db()
    assert not payment.is_reversed


def test_a_token_without_the_finance_scope_is_forbidden(regencies):
    figures_only = api_caller("61.01", "figures", "claims")
    january = issued(regencies.sambas, 1)
    for answer in (
        figures_only.get("/api/v1/invoices"),
        figures_only.get(f"/api/v1/invoices/{january.pk}"),
        figures_only.get(f"/api/v1/invoices/{january.pk}/lines"),
        figures_only.post("/api/v1/invoices", {"programme": regencies.sambas.pk, "month": "2026-02"}),
        figures_only.post(
            f"/api/v1/invoices/{january.pk}/payments", {"paid_on": "2026-02-10", "amount": 10, "reference": "X"}
        ),
    ):
        assert answer.status_code == 403, answer.content
        assert answer.json()["type"] == "urn:lindung:problem:forbidden"
    assert not Invoice.objects.filter(month__month=2).exists()
    assert not Payment.objects.exists()


def test_a_payment_sent_twice_with_one_idempotency_key_is_recorded_once(regencies, sambas):
    january = issued(regencies.sambas, 1)
    body = {"paid_on": "2026-02-10", "amount": january.total, "reference": "SP2D-0002/2026"}
    first = sambas.post(f"/api/v1/invoices/{january.pk}/payments", body, **{"Idempotency-Key": "bayar-januari"})
    again = sambas.post(f"/api/v1/invoices/{january.pk}/payments", body, **{"Idempotency-Key": "bayar-januari"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Payment.objects.count() == 1
