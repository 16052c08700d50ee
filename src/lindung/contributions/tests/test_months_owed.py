"""The month states (``months_owed``): the four states, and the set-based form agreeing with the per-enrolment one.

The agreement test builds small worlds (enrolments starting, ending and activated on various days; months
billed, billed to some and not others, corrected, left as drafts, paid, partly paid or not) and compares,
for several days, the rows the nightly statement writes with what the Python form derives, on whichever
database the run uses (``make test`` runs both).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import CoverageStatus, Invoice, InvoiceLine, InvoiceStatus, LineKind, NeverBilledMonth
from lindung.contributions.months_owed import (
    NEVER_BILLED_BITS,
    MonthFigures,
    MonthState,
    billed_months,
    calendar_end,
    enrolment_owed_months,
    month_figures,
    months_owed_refresh,
)
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db

DAY = dt.date


def _issue(programme: Programme, month: int, *, paid: bool = False) -> Invoice:
    invoice = invoice_issue(
        actor=None, invoice=invoice_build(actor=None, programme=programme, month=DAY(2026, month, 1))
    )
    if paid:
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)
    return invoice


def _states(enrolment: Enrolment, today: dt.date) -> dict[int, MonthState]:
    enrolment.refresh_from_db()
    return {m.month.month: m.state for m in enrolment_owed_months(enrolment, until=today, today=today)}


def test_each_month_is_paid_billed_and_unpaid_due_and_never_billed_or_not_yet_due():
    programme = make_programme("KALBAR-2026")
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    _issue(programme, 1, paid=True)
    _issue(programme, 2)
    # March never billed; April billed and paid; May billed, due 10 June; June not billed, not due.
    _issue(programme, 4, paid=True)
    _issue(programme, 5)
    states = _states(enrolment, DAY(2026, 6, 10))
    assert states == {
        1: MonthState.PAID,
        2: MonthState.UNPAID,
        3: MonthState.NEVER_BILLED,
        4: MonthState.PAID,
        5: MonthState.NOT_DUE,
        6: MonthState.NOT_DUE,
    }
    months_owed_refresh(programme, DAY(2026, 6, 10))
    status = CoverageStatus.objects.get(enrolment=enrolment)
    assert (status.months_billed, status.months_paid, status.paid_through) == (4, 2, DAY(2026, 1, 1))
    # February and March are owing; after April, the latest paid month, nothing is.
    assert (status.months_in_arrears, status.consecutive_unpaid, status.months_never_billed) == (2, 0, 1)
    assert status.never_billed_mask == 1 << 2
    assert list(NeverBilledMonth.objects.values_list("regency_code", "month", "workers")) == [
        ("61.01", DAY(2026, 3, 1), 1)
    ]
    # The day after May's due date, May is owing too, after the latest paid month.
    months_owed_refresh(programme, DAY(2026, 6, 11))
    status = CoverageStatus.objects.get(enrolment=enrolment)
    assert (status.months_in_arrears, status.consecutive_unpaid) == (3, 1)


def test_a_never_billed_month_falls_due_like_a_billed_one_on_the_day_after_its_due_day():
    programme = make_programme("KALBAR-2026")
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE)
    assert _states(enrolment, DAY(2026, 2, 10)) == {1: MonthState.NOT_DUE, 2: MonthState.NOT_DUE}
    assert _states(enrolment, DAY(2026, 2, 11))[1] == MonthState.NEVER_BILLED


def test_a_back_dated_activation_puts_no_month_in_arrears_until_the_activation_month_is_due():
    programme = make_programme("KALBAR-2026")
    # BPJS activated on 5 May a coverage that started on 1 January: nobody could bill January to April before.
    enrolment = make_enrolment(make_worker(), programme, Status.ACTIVE, activated_on=DAY(2026, 5, 5))
    assert set(_states(enrolment, DAY(2026, 5, 5)).values()) == {MonthState.NOT_DUE}
    assert set(_states(enrolment, DAY(2026, 6, 10)).values()) == {MonthState.NOT_DUE}
    assert _states(enrolment, DAY(2026, 6, 11)) == {
        **{m: MonthState.NEVER_BILLED for m in range(1, 6)},
        6: MonthState.NOT_DUE,
    }
    # May's invoice bills May (no earlier invoice was issued, so there is nothing to correct): due on 10 June.
    _issue(programme, 5)
    assert _states(enrolment, DAY(2026, 6, 10))[5] == MonthState.NOT_DUE


def test_a_corrected_month_is_due_after_the_invoice_that_carries_the_correction():
    programme = make_programme("KALBAR-2026")
    _issue(programme, 1, paid=True)
    _issue(programme, 2, paid=True)
    # Activated on 20 March, back-dated to 1 January: March's invoice bills January and February as corrections.
    late = make_enrolment(make_worker(), programme, Status.ACTIVE, activated_on=DAY(2026, 3, 20))
    _issue(programme, 3)
    assert set(_states(late, DAY(2026, 4, 10)).values()) == {MonthState.NOT_DUE}
    assert _states(late, DAY(2026, 4, 11)) == {
        1: MonthState.UNPAID,
        2: MonthState.UNPAID,
        3: MonthState.UNPAID,
        4: MonthState.NOT_DUE,
    }


# --- the two forms agree -------------------------------------------------------------------------------------

STATUSES = [InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID]
TODAYS = [DAY(2026, 1, 20), DAY(2026, 3, 10), DAY(2026, 3, 11), DAY(2026, 7, 25), DAY(2027, 1, 11)]

enrolment_specs = st.fixed_dictionaries(
    {
        "start": st.tuples(st.integers(1, 12), st.sampled_from([1, 15, 28])),
        "status": st.sampled_from([Status.ACTIVE, Status.ACTIVE, Status.ENDED, Status.SENT]),
        "months": st.integers(0, 11),  # an end this many months after the start (ended ones)
        "activated": st.one_of(st.none(), st.integers(-1, 5)),  # months after the start's month
        "pontianak": st.booleans(),
    }
)
month_specs = st.fixed_dictionaries(
    {
        "billed": st.booleans(),
        "status": st.sampled_from(STATUSES),
        "skip": st.sets(st.integers(0, 5), max_size=2),  # enrolments whose line is taken off the draft
        "take_back": st.sets(st.integers(0, 5), max_size=1),  # an earlier month corrected to nothing
    }
)


def _world(programme: Programme, enrolments: list[dict], months: list[dict]) -> list[Enrolment]:
    made = []
    for spec in enrolments:
        start = DAY(2026, spec["start"][0], spec["start"][1])
        fields: dict[str, object] = {"coverage_start": start}
        if spec["activated"] is not None:
            shifted = start.month + spec["activated"]
            fields["activated_on"] = DAY(2026, min(max(shifted, 1), 12), 9)
        else:
            fields["activated_on"] = None
        if spec["status"] == Status.ENDED:
            end_month = min(start.month + spec["months"], 12)
            fields["coverage_end"] = max(start, DAY(2026, end_month, 20))
            fields["end_reason"] = EndReason.MOVED_AWAY
        if spec["status"] == Status.SENT:
            fields = {}
        village = PONTIANAK_VILLAGE if spec["pontianak"] else SAMBAS_VILLAGE
        made.append(make_enrolment(make_worker(village=village), programme, spec["status"], **fields))
    for number, spec in enumerate(months, start=1):
        if number > programme.coverage_end.month or not spec["billed"]:
            continue
        month = DAY(2026, number, 1)
        draft = invoice_build(actor=None, programme=programme, month=month)
        lines = InvoiceLine.objects.filter(invoice=draft)
        skipped = [made[i].pk for i in spec["skip"] if i < len(made)]
        lines.filter(kind=LineKind.NORMAL, enrolment_id__in=skipped).delete()
        for i in spec["take_back"]:
            if i < len(made) and number > 1:
                enrolment = made[i]
                earlier = DAY(2026, number - 1, 1)
                lines.filter(kind=LineKind.ADJUSTMENT, enrolment=enrolment, month=earlier).delete()
                InvoiceLine.objects.create(
                    invoice=draft,
                    enrolment=enrolment,
                    worker_id=enrolment.worker_id,
                    province_code=enrolment.province_code,
                    regency_code=enrolment.regency_code,
                    month=earlier,
                    kind=LineKind.ADJUSTMENT,
                    jkk=-10_000,
                    jkm=-6_800,
                    jht=0,
                    amount=-16_800,
                    note="taken back",
                )
        if spec["status"] != InvoiceStatus.DRAFT:
            draft.refresh_from_db()
            invoice_issue(actor=None, invoice=draft)
            Invoice.objects.filter(pk=draft.pk).update(status=spec["status"])
    return made


def _python_form(programme: Programme, enrolments: list[Enrolment], today: dt.date) -> dict[int, MonthFigures]:
    until = calendar_end(programme, today)
    billed = billed_months(e.pk for e in enrolments)
    figures = {}
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        months = enrolment_owed_months(enrolment, until=until, today=today, billed=billed.get(enrolment.pk, {}))
        if months:
            figures[enrolment.pk] = month_figures(months)
    return figures


def _sql_form(programme: Programme) -> dict[int, MonthFigures]:
    return {
        row.enrolment_id: MonthFigures(
            months_billed=row.months_billed,
            months_paid=row.months_paid,
            paid_through=row.paid_through,
            months_in_arrears=row.months_in_arrears,
            consecutive_unpaid=row.consecutive_unpaid,
            months_never_billed=row.months_never_billed,
            never_billed_mask=row.never_billed_mask,
        )
        for row in CoverageStatus.objects.filter(programme=programme)
    }


class _Rollback(Exception):
    pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    enrolments=st.lists(enrolment_specs, min_size=1, max_size=6),
    months=st.lists(month_specs, min_size=1, max_size=12),
    short=st.booleans(),
)
def test_the_nightly_statement_and_the_python_form_agree(db: None, enrolments, months, short):
    try:
        with transaction.atomic():
            programme = make_programme("KALBAR-2026", coverage_end=DAY(2026, 9 if short else 12, 30 if short else 31))
            made = _world(programme, enrolments, months)
            for today in TODAYS:
                months_owed_refresh(programme, today)
                python = _python_form(programme, made, today)
                assert _sql_form(programme) == python, today
                expected: Counter[tuple[str, dt.date]] = Counter()
                for enrolment in made:
                    figures = python.get(enrolment.pk)
                    for bit in range(NEVER_BILLED_BITS):
                        if figures is not None and figures.never_billed_mask & (1 << bit):
                            expected[(enrolment.regency_code, DAY(2026 + bit // 12, bit % 12 + 1, 1))] += 1
                rows = NeverBilledMonth.objects.filter(programme=programme).values_list(
                    "regency_code", "month", "workers"
                )
                found: Counter[tuple[str, dt.date]] = Counter()
                for regency, month, n in rows:
                    found[(regency, month)] += n
                assert found == expected, today
            raise _Rollback
    except _Rollback:
        pass
