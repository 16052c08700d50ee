"""The rules the database keeps on the invoice lines (``lindung/contributions/lines/``), on SQLite and PostgreSQL alike.

The lines have no database foreign keys (a million per-row checks cost most of the billing run); these
tests write past the services, as a shell or a script would, and expect the database to refuse. They run
unchanged on both databases; only the tests of PostgreSQL's partitions are PostgreSQL's alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError, Sum

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.lines import line_statements
from lindung.contributions.models import Invoice, InvoiceLine, LineKind
from lindung.contributions.selectors import lines_of_enrolments
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, make_enrolment, make_programme, make_worker

pytestmark = [pytest.mark.django_db]

MARCH = dt.date(2026, 3, 1)
partitions = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite keeps the lines in one plain table"
)


def _active(programme: Programme, **fields: object) -> Enrolment:
    return make_enrolment(make_worker(), programme, Status.ACTIVE, **fields)


def _line(invoice: Invoice, enrolment: Enrolment, **fields: object) -> InvoiceLine:
    values: dict[str, object] = {
        "worker_id": enrolment.worker_id,
        "province_code": "61",
        "regency_code": "61.01",
        "month": invoice.month,
        "kind": LineKind.NORMAL,
        "jkk": 10_000,
        "jkm": 6_800,
        "jht": 0,
        "amount": 16_800,
        **fields,
    }
    return InvoiceLine.objects.create(invoice=invoice, enrolment=enrolment, **values)


def _refused(write: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def _sums_match() -> None:
    for invoice in Invoice.objects.all():
        total = InvoiceLine.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or 0
        normal = InvoiceLine.objects.filter(invoice=invoice, kind=LineKind.NORMAL).count()
        assert (invoice.total, invoice.line_count) == (total, normal), invoice


@pytest.fixture
def draft(programme: Programme) -> Invoice:
    # Built before any enrolment exists: no lines yet. On PostgreSQL an invoice's lines live in its own
    # partition, which billing creates; a line for an invoice never built is refused there.
    return invoice_build(actor=None, programme=programme, month=MARCH)


def test_a_line_needs_an_existing_enrolment_of_the_invoices_programme_and_its_worker(
    programme: Programme, draft: Invoice
):
    own = _active(programme)
    other = _active(make_programme("KALBAR-2026-B"))
    gone = Enrolment(pk=own.pk + 10_000, worker_id=own.worker_id)
    _refused(lambda: _line(draft, gone))
    _refused(lambda: _line(draft, other))
    _refused(lambda: _line(draft, own, worker_id=other.worker_id))
    _line(draft, own)
    assert InvoiceLine.objects.filter(invoice=draft).count() == 1


def test_a_line_needs_an_existing_draft_invoice_and_a_month_line_carries_its_month(
    programme: Programme, draft: Invoice
):
    enrolment = _active(programme)
    _refused(lambda: _line(Invoice(pk=draft.pk + 10_000, month=MARCH), enrolment))
    _refused(lambda: _line(draft, enrolment, month=dt.date(2026, 2, 1)))
    issued = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    _refused(lambda: _line(issued, enrolment, kind=LineKind.ADJUSTMENT, month=dt.date(2026, 2, 1), note="x"))


def test_one_line_per_enrolment_kind_and_month_on_an_invoice(programme: Programme, draft: Invoice):
    enrolment = _active(programme)
    _line(draft, enrolment)
    _refused(lambda: _line(draft, enrolment))
    correction = {"kind": LineKind.ADJUSTMENT, "month": dt.date(2026, 2, 1), "note": "late"}
    _line(draft, enrolment, **correction)
    _refused(lambda: _line(draft, enrolment, **correction))
    assert InvoiceLine.objects.filter(invoice=draft).count() == 2


def test_the_database_keeps_the_invoice_totals_equal_to_its_lines(programme: Programme, draft: Invoice):
    first, second = _active(programme), _active(programme)
    _line(draft, first)
    _line(draft, second)
    _line(
        draft,
        first,
        kind=LineKind.ADJUSTMENT,
        month=dt.date(2026, 2, 1),
        note="late",
        jkk=-10_000,
        jkm=-6_800,
        amount=-16_800,
    )
    draft.refresh_from_db()
    assert (draft.line_count, draft.adjustment_total, draft.total) == (2, -16_800, 16_800)
    InvoiceLine.objects.filter(invoice=draft, enrolment=second).update(jkk=0, amount=6_800)
    InvoiceLine.objects.filter(invoice=draft, kind=LineKind.ADJUSTMENT).delete()
    draft.refresh_from_db()
    assert (draft.line_count, draft.adjustment_total, draft.total) == (2, 0, 16_800 + 6_800)
    _sums_match()


def test_the_totals_change_only_with_the_lines(programme: Programme, draft: Invoice):
    _line(draft, _active(programme))
    _refused(lambda: Invoice.objects.filter(pk=draft.pk).update(total=1))
    _refused(lambda: Invoice.objects.filter(pk=draft.pk).update(line_count=0))
    _refused(lambda: Invoice.objects.create(programme=programme, month=dt.date(2026, 4, 1), total=16_800))
    draft.refresh_from_db()
    draft.save()  # writing the same totals back is fine
    assert (draft.line_count, draft.total) == (1, 16_800)
    # Emptying every line past the rules (TRUNCATE on PostgreSQL, the flush's removal on SQLite) zeroes them.
    line_statements().lines_truncate()
    draft.refresh_from_db()
    assert (draft.line_count, draft.total) == (0, 0)


def test_billing_leaves_no_line_pointing_nowhere_and_totals_equal_lines(programme: Programme):
    """Through the services: every line's enrolment exists in the programme, with its worker."""
    enrolments = [_active(programme) for _ in range(3)]
    make_enrolment(make_worker(village=PONTIANAK_VILLAGE), make_programme("KALBAR-2026-B"), Status.ACTIVE)
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    _active(programme, coverage_start=dt.date(2026, 3, 20))  # back-dated: a correction on April
    invoice_build(actor=None, programme=programme, month=dt.date(2026, 4, 1))
    for line in InvoiceLine.objects.select_related("invoice", "enrolment"):
        assert line.enrolment.programme_id == line.invoice.programme_id
        assert line.worker_id == line.enrolment.worker_id
    assert {e.pk for e in enrolments} <= set(InvoiceLine.objects.values_list("enrolment_id", flat=True))
    _sums_match()


def test_the_billing_flag_covers_only_the_billing_statement(programme: Programme):
    """After billing, a hand-written line in the same transaction is checked again (PostgreSQL's shortcut)."""
    enrolment = _active(programme)
    other = _active(make_programme("KALBAR-2026-B"))
    with transaction.atomic():
        invoice = invoice_build(actor=None, programme=programme, month=MARCH)
        with pytest.raises(IntegrityError), transaction.atomic():
            _line(invoice, other, kind=LineKind.ADJUSTMENT, month=dt.date(2026, 2, 1), note="x")
    assert list(InvoiceLine.objects.values_list("enrolment_id", flat=True)) == [enrolment.pk]


def test_a_rebuild_writes_only_the_difference_and_ends_where_a_first_build_would(programme: Programme):
    stays, leaves, moves = _active(programme), _active(programme), _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    Enrolment.objects.filter(pk=leaves.pk).update(coverage_start=dt.date(2026, 4, 1))
    Enrolment.objects.filter(pk=moves.pk).update(village_id=PONTIANAK_VILLAGE, regency_code="61.71")
    joins = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    rows = dict(InvoiceLine.objects.filter(invoice=invoice).values_list("enrolment_id", "regency_code"))
    assert rows == {stays.pk: stays.regency_code, moves.pk: "61.71", joins.pk: joins.regency_code}
    assert (invoice.line_count, invoice.total) == (3, 3 * 16_800)
    _sums_match()


def test_an_enrolment_or_invoice_with_lines_cannot_be_deleted_by_the_orm(programme: Programme):
    enrolment = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    with pytest.raises(ProtectedError):
        enrolment.delete()
    with pytest.raises(ProtectedError):
        invoice.delete()


def test_an_enrolment_or_invoice_with_lines_cannot_be_deleted_in_sql(programme: Programme):
    enrolment = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("DELETE FROM enrolments_enrolment WHERE id = %s", [enrolment.pk]))
        _refused(lambda: cursor.execute("DELETE FROM contributions_invoice WHERE id = %s", [invoice.pk]))
        invoice_issue(actor=None, invoice=invoice)
        _refused(lambda: cursor.execute("DELETE FROM contributions_invoiceline WHERE invoice_id = %s", [invoice.pk]))
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_the_lines_of_an_issued_invoice_are_never_changed_nor_deleted(programme: Programme):
    enrolment = _active(programme)
    invoice = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    lines = InvoiceLine.objects.filter(invoice=invoice)
    _refused(lambda: lines.update(regency_code="61.71"))
    _refused(lambda: lines.delete())
    _refused(lambda: _line(invoice, enrolment, kind=LineKind.ADJUSTMENT, month=dt.date(2026, 2, 1), note="x"))
    assert list(lines.values_list("enrolment_id", "regency_code")) == [(enrolment.pk, enrolment.regency_code)]
    invoice.refresh_from_db()
    assert (invoice.line_count, invoice.total) == (1, 16_800)


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_a_database_whose_issued_invoice_has_lines(reference_data: None):
    """Django's flush (after every transactional test, as after this one) deletes tables in no fixed order on
    SQLite; no order of plain deletes gets past the rules here, so there it removes the lines first, as
    TRUNCATE does on PostgreSQL."""
    programme = make_programme("KALBAR-2026")
    _active(programme)
    invoice = invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=MARCH))
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("DELETE FROM contributions_invoiceline"))
        _refused(lambda: cursor.execute("DELETE FROM contributions_invoice"))
    call_command("flush", interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    assert not InvoiceLine.objects.exists()
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not Enrolment.objects.exists()
    assert line_statements().rules_missing() == []


def test_every_rule_of_the_lines_is_in_the_database(programme: Programme):
    """A migration that makes SQLite rebuild a table drops its triggers without a word: this notices."""
    _active(programme)
    invoice_build(actor=None, programme=programme, month=MARCH)  # on PostgreSQL, a partition with its own
    assert line_statements().rules_missing() == []


def test_an_enrolment_or_invoice_with_lines_keeps_its_key(programme: Programme):
    enrolment = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    other = make_programme("KALBAR-2026-B")
    _refused(lambda: Enrolment.objects.filter(pk=enrolment.pk).update(programme=other))
    _refused(lambda: Invoice.objects.filter(pk=invoice.pk).update(month=dt.date(2026, 4, 1)))
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Status.ACTIVE)  # other columns stay free


def test_an_enrolments_lines_are_found_through_its_programmes_invoices(programme: Programme):
    enrolment, other = _active(programme), _active(programme)
    for month in (MARCH, dt.date(2026, 4, 1)):
        invoice_build(actor=None, programme=programme, month=month)
    found = lines_of_enrolments([enrolment.pk])
    assert sorted(found.values_list("month", flat=True)) == [MARCH, dt.date(2026, 4, 1)]
    assert other.pk not in set(found.values_list("enrolment_id", flat=True))


def _partition_of(invoice: Invoice) -> tuple[str, bool, bool] | None:
    """(name, attached as the invoice's partition, has a primary key) of the invoice's partition, if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (''%%s'')', %s::bigint),"
            " EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = c.oid AND contype = 'p')"
            " FROM pg_class c WHERE c.relname = %s AND c.relispartition"
            " AND c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'contributions_invoiceline'::regclass)",
            [invoice.pk, f"contributions_invoiceline_{invoice.pk}"],
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], row[2])


@partitions
def test_on_postgresql_each_invoice_has_its_own_keyed_partition_replaced_when_rebuilt_afresh(programme: Programme):
    first = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    assert _partition_of(invoice) == (f"contributions_invoiceline_{invoice.pk}", True, True)
    # A rate change since the last build: the draft's lines are made again, in a new partition.
    Invoice.objects.filter(pk=invoice.pk).update(unit_jkk=1)
    second = _active(programme)
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    assert _partition_of(invoice) == (f"contributions_invoiceline_{invoice.pk}", True, True)
    assert set(InvoiceLine.objects.filter(invoice=invoice).values_list("enrolment_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert (invoice.line_count, invoice.total, invoice.unit_jkk) == (2, 2 * 16_800, 10_000)
    _sums_match()


@partitions
def test_on_postgresql_a_line_for_an_invoice_never_built_is_refused(programme: Programme):
    never_built = Invoice.objects.create(programme=programme, month=MARCH)
    _refused(lambda: _line(never_built, _active(programme)))


@partitions
def test_on_postgresql_writing_to_a_partition_directly_keeps_every_promise(programme: Programme):
    """A statement naming the partition fires the partition's guards, not the parent's."""
    enrolment, other = _active(programme), _active(make_programme("KALBAR-2026-B"))
    invoice = invoice_build(actor=None, programme=programme, month=MARCH)
    part = f"contributions_invoiceline_{invoice.pk}"
    insert = (
        f"INSERT INTO {part} (invoice_id, enrolment_id, worker_id, province_code, regency_code, month, kind,"  # noqa: S608
        " jkk, jkm, jht, amount, note) VALUES (%s, %s, %s, '61', '61.01', %s, %s, 1, 1, 0, 2, 'x')"
    )
    february = dt.date(2026, 2, 1)
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute(insert, [invoice.pk, other.pk, other.worker_id, february, "adjustment"]))
        _refused(lambda: cursor.execute(insert, [invoice.pk, enrolment.pk, enrolment.worker_id, february, "normal"]))
        cursor.execute(insert, [invoice.pk, enrolment.pk, enrolment.worker_id, february, "adjustment"])
        invoice.refresh_from_db()
        assert (invoice.line_count, invoice.adjustment_total, invoice.total) == (1, 2, 16_800 + 2)
        cursor.execute(f"UPDATE {part} SET jkk = 3, amount = 4 WHERE kind = 'adjustment'")  # noqa: S608
        invoice.refresh_from_db()
        assert (invoice.adjustment_total, invoice.total) == (4, 16_800 + 4)
        cursor.execute(f"DELETE FROM {part} WHERE kind = 'adjustment'")  # noqa: S608
        _sums_match()
        invoice = invoice_issue(actor=None, invoice=invoice)
        _refused(lambda: cursor.execute(f"DELETE FROM {part}"))  # noqa: S608
        _refused(
            lambda: cursor.execute(insert, [invoice.pk, enrolment.pk, enrolment.worker_id, february, "adjustment"])
        )
        _refused(lambda: cursor.execute("SELECT contributions_line_partition_prepare(%s)", [invoice.pk]))
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 1
    _sums_match()
