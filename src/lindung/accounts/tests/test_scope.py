"""Region scope, the one choke point: who sees which workers and enrolments.

The rows: two workers in Sambas (the desa operator's village and another Sambas village), one in
Kota Pontianak, one in another Kalbar regency and one outside Kalimantan Barat, each enrolled.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404

from lindung.accounts.models import Role, User
from lindung.accounts.scope import RegionScope, get_in_scope_or_404, scope_code_q, scope_of, scope_queryset
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.enrolments.models import Enrolment
from lindung.regions.models import Region
from lindung.testing import PONTIANAK_VILLAGE, SAMBAS_VILLAGE, make_enrolment, make_programme, make_user, make_worker
from lindung.workers.models import Worker

pytestmark = pytest.mark.django_db


def _village(prefix: str, *, other_than: str = "") -> str:
    return Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=prefix).exclude(code=other_than)[0].code


@dataclass
class Rows:
    workers: dict[str, Worker]
    enrolments: dict[str, Enrolment]


@pytest.fixture
def rows(db: None) -> Rows:
    villages = {
        "sambas_desa": SAMBAS_VILLAGE,
        "sambas_other": _village("61.01.", other_than=SAMBAS_VILLAGE),
        "pontianak": PONTIANAK_VILLAGE,
        "bengkayang": _village("61.02."),
        "kalteng": _village("62."),
    }
    programme = make_programme()
    workers = {key: make_worker(village=code) for key, code in villages.items()}
    enrolments = {key: make_enrolment(worker, programme) for key, worker in workers.items()}
    return Rows(workers, enrolments)


def _visible(user: User | AnonymousUser, rows: Rows) -> tuple[set[str], set[str]]:
    """Which of the named workers, and which of the named enrolments, the user's scope lets through."""
    worker_ids = set(scope_queryset(Worker.objects.all(), user).values_list("pk", flat=True))
    enrolment_ids = set(scope_queryset(Enrolment.objects.all(), user).values_list("pk", flat=True))
    return (
        {key for key, w in rows.workers.items() if w.pk in worker_ids},
        {key for key, e in rows.enrolments.items() if e.pk in enrolment_ids},
    )


def _both(keys: set[str]) -> tuple[set[str], set[str]]:
    return keys, keys


KALBAR = {"sambas_desa", "sambas_other", "pontianak", "bengkayang"}


def test_the_pontianak_operator_sees_pontianak_rows_only(cast, rows):
    assert _visible(cast["operator_pontianak"], rows) == _both({"pontianak"})


def test_the_sambas_operator_sees_every_sambas_village_and_nothing_else(cast, rows):
    assert _visible(cast["operator_sambas"], rows) == _both({"sambas_desa", "sambas_other"})


def test_the_village_operator_sees_their_village_only(cast, rows):
    assert _visible(cast["operator_desa"], rows) == _both({"sambas_desa"})


def test_a_district_user_sees_the_villages_of_that_district_only(rows):
    district = SAMBAS_VILLAGE[:8]
    user = make_user("camat", Role.OPERATOR_KABUPATEN, district)
    visible_workers, _ = _visible(user, rows)
    expected = {key for key, w in rows.workers.items() if w.village_id.startswith(district + ".")}
    assert "sambas_desa" in expected
    assert visible_workers == expected


@pytest.mark.parametrize("who", ["verifikator", "pimpinan", "admin_provinsi", "petugas_bpjs", "keuangan"])
def test_province_roles_see_all_of_kalimantan_barat_and_nothing_outside(cast, rows, who):
    assert _visible(cast[who], rows) == _both(KALBAR)


def test_a_user_of_another_province_sees_none_of_kalimantan_barat(rows):
    user = make_user("operator_palangka", Role.ADMIN_PROVINSI, "62")
    assert _visible(user, rows) == _both({"kalteng"})


def test_an_inactive_user_sees_nothing(cast, rows):
    user = cast["verifikator"]
    user.is_active = False
    assert _visible(user, rows) == _both(set())
    assert scope_of(user).nothing


def test_an_anonymous_visitor_sees_nothing(rows):
    assert _visible(AnonymousUser(), rows) == _both(set())


def test_a_user_without_role_or_region_sees_nothing(rows):
    assert _visible(make_user("tamu"), rows) == _both(set())


def test_a_superuser_without_region_sees_everything(rows):
    root = User.objects.create_superuser("root", password="x-root-password-1")
    assert _visible(root, rows) == _both({*KALBAR, "kalteng"})


def test_a_superuser_with_a_region_is_held_to_it(rows):
    root = User.objects.create_superuser("root_sambas", password="x-root-password-1", region_id="61.01")
    assert _visible(root, rows) == _both({"sambas_desa", "sambas_other"})


def test_get_in_scope_or_404_returns_a_row_in_scope(cast, rows):
    worker = rows.workers["pontianak"]
    assert get_in_scope_or_404(Worker.objects.all(), cast["operator_pontianak"], pk=worker.pk) == worker
    enrolment = rows.enrolments["pontianak"]
    assert get_in_scope_or_404(Enrolment.objects.all(), cast["operator_pontianak"], pk=enrolment.pk) == enrolment


@pytest.mark.parametrize("model", [Worker, Enrolment])
def test_get_in_scope_or_404_answers_404_for_a_row_out_of_scope_as_for_a_missing_one(cast, rows, model):
    sambas = (rows.workers if model is Worker else rows.enrolments)["sambas_desa"]
    with pytest.raises(Http404):
        get_in_scope_or_404(model.objects.all(), cast["operator_pontianak"], pk=sambas.pk)
    with pytest.raises(Http404):
        get_in_scope_or_404(model.objects.all(), cast["operator_pontianak"], pk=10**9)


def test_scope_code_q_matches_the_region_and_below_but_not_a_lookalike_code(cast):
    for code in ("61.01", "61.01.01.2001", "61.010", "61.71", "61", ""):
        audit_record(actor=None, action="test.scoped", region_code=code)

    def seen(user: User | AnonymousUser) -> set[str]:
        return set(AuditEntry.objects.filter(scope_code_q(user)).values_list("region_code", flat=True))

    assert seen(cast["operator_sambas"]) == {"61.01", "61.01.01.2001"}
    assert seen(cast["operator_desa"]) == {"61.01.01.2001"}
    assert seen(cast["admin_provinsi"]) == {"61.01", "61.01.01.2001", "61.010", "61.71", "61"}
    assert seen(AnonymousUser()) == set()


def test_a_table_that_stamps_the_district_is_filtered_on_it_for_a_district_and_only_then():
    columns = {"district": "district_code"}
    assert RegionScope("61.01.01").q(**columns) == Q(district_code="61.01.01")
    assert RegionScope("61.01.01").q() == Q(regency_code="61.01", village__code__startswith="61.01.01.")
    assert RegionScope("61.01").q(**columns) == Q(regency_code="61.01")
    assert RegionScope("61.01.01.2001").q(**columns) == Q(village="61.01.01.2001")
    assert RegionScope(None).q(**columns) == Q()
