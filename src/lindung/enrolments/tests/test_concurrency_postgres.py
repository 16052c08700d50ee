from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.utils import translation

from lindung.enrolments import services
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType
from lindung.testing import make_cast, make_enrolment, make_programme, make_worker, set_quota

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the race needs two real connections: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _at_once(step: Callable[..., object], *calls: tuple[object, ...]) -> list[object]:
    """Runs ``step(*args)`` for each of ``calls`` in a thread of its own (its own connection), in English, and
    returns what each gave: its result, the text of an ``EnrolmentError``, or any other exception."""
    outcomes: list[object] = []

    def run(*args: object) -> None:
        try:
            with translation.override("en"):
                outcomes.append(step(*args))
        except services.EnrolmentError as exc:
            outcomes.append(exc.text)
        except Exception as exc:  # a 500 in the making: let the assertion show it
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=args) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_verifiers_at_once_cannot_exceed_the_quota(reference_data, monkeypatch):
    """Both hold their own enrolment before either counts the quota (a barrier makes sure of it); the
    lock on the quota row makes the second count after the first commits, so it sees the quota full."""
    cast = make_cast()
    programme = make_programme()
    set_quota(programme, "61.01", 1)
    first, second = make_enrolment(make_worker(), programme), make_enrolment(make_worker(), programme)
    barrier = threading.Barrier(2)
    locked = services._locked

    def lock_then_wait(*args, **kwargs):
        enrolment = locked(*args, **kwargs)
        barrier.wait(timeout=10)
        return enrolment

    monkeypatch.setattr(services, "_locked", lock_then_wait)

    def verify(actor, enrolment):
        return services.enrolment_verify(actor=actor, enrolment=enrolment).status

    outcomes = _at_once(verify, (cast["verifikator"], first), (cast["admin_provinsi"], second))

    assert Enrolment.objects.filter(status=Status.VERIFIED).count() == 1
    assert sorted(map(str, outcomes)) == sorted(
        [Status.VERIFIED, "The quota of 1 worker for Kabupaten Sambas in programme KALBAR-2026 is full."]
    ), outcomes


def test_two_overlapping_government_proposals_at_once_leave_exactly_one(reference_data, monkeypatch):
    """Both proposals start together (a barrier before the worker's lock); the lock makes the second
    look for overlaps after the first committed, so it finds the first and is refused."""
    cast = make_cast()
    province = make_programme("KALBAR-2026")
    sambas = make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    worker = make_worker()
    barrier = threading.Barrier(2)
    find = services.get_in_scope_or_404

    def wait_then_find(*args, **kwargs):
        barrier.wait(timeout=10)
        return find(*args, **kwargs)

    monkeypatch.setattr(services, "get_in_scope_or_404", wait_then_find)

    def propose(actor, programme):
        return services.enrolment_propose(actor=actor, worker=worker, programme=programme)

    outcomes = _at_once(propose, (cast["operator_sambas"], province), (cast["admin_provinsi"], sambas))

    assert Enrolment.objects.filter(worker=worker).count() == 1
    refusals = [o for o in outcomes if isinstance(o, str)]
    assert len(refusals) == 1, outcomes
    assert "government-funded coverage for overlapping months" in refusals[0]
