"""The night's work, one entry point: housekeeping, then coverage, then the dashboard's figures that read it;
scheduled once on the worker, each run enqueuing the next."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from lindung.contributions.billing import invoice_build, invoice_issue
from lindung.contributions.models import CoverageStatus
from lindung.dashboard.models import Refresh, VillageFigure
from lindung.enrolments.models import Status
from lindung.nightly.jobs import nightly_schedule, nightly_task
from lindung.testing import make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed() -> None:
    """KALBAR-2026 with one active worker whose January invoice is issued and not paid."""
    programme = make_programme("KALBAR-2026")
    make_enrolment(make_worker(), programme, Status.ACTIVE)
    invoice_issue(actor=None, invoice=invoice_build(actor=None, programme=programme, month=dt.date(2026, 1, 1)))


def test_scheduling_enqueues_one_nightly_run_and_each_run_does_the_night_and_enqueues_the_next(billed: None):
    evening = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    run_at = nightly_schedule(now=evening)
    assert run_at is not None and (run_at.date(), run_at.hour, run_at.minute) == (dt.date(2026, 3, 2), 0, 15)
    assert nightly_schedule(now=evening) is None  # already waiting: not twice
    waiting = DBTaskResult.objects.get()
    assert waiting.run_after == run_at

    waiting.delete()  # the worker claims it; running it schedules the next night
    summary = nightly_task.call()

    assert summary["coverage"]["statuses"] == 1 and summary["dashboard"]["rows"] > 0
    ready = DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True)
    assert list(ready) == ["lindung.nightly.jobs.nightly_task"]


def test_the_night_computes_coverage_then_the_dashboard_figures_that_read_it(billed: None):
    out = StringIO()
    call_command("nightly", "run", "--today", "2026-03-01", "--json", stdout=out)

    summary = json.loads(out.getvalue())
    assert summary["coverage"]["today"] == summary["dashboard"]["as_of"] == "2026-03-01"
    # January is unpaid on 1 March: one worker in arrears, and the dashboard's figures say so.
    assert CoverageStatus.objects.get().months_in_arrears == summary["coverage"]["in_arrears"]["1"] == 1
    figures = VillageFigure.objects.aggregate(
        one=Sum("arrears_one"), two=Sum("arrears_two"), three=Sum("arrears_three")
    )
    assert figures == {"one": 1, "two": 0, "three": 0}
    assert Refresh.objects.get().as_of == dt.date(2026, 3, 1)
