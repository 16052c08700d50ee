"""The audit page /audit/: administrators only, scoped to their region, filtered, paginated, read-only."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.audit.views import PAGE_SIZE
from lindung.testing import client_for

pytestmark = pytest.mark.django_db

PONTIANAK_TIME = zoneinfo.ZoneInfo("Asia/Pontianak")
URL = "/audit/"


def _entry(monkeypatch: pytest.MonkeyPatch | None = None, at: dt.datetime | None = None, **fields: Any) -> AuditEntry:
    """An entry as a service writes it; ``at`` pins the clock, since the entry stamps itself and can't be changed."""
    fields.setdefault("actor", None)
    fields.setdefault("action", "test.done")
    if at is None:
        return audit_record(**fields)
    assert monkeypatch is not None
    with monkeypatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: at)
        return audit_record(**fields)


def _shown(response) -> list[int]:
    return [row["entry"].pk for row in response.context["rows"]]


@pytest.fixture
def entries(cast) -> dict[str, AuditEntry]:
    return {
        "sambas": _entry(
            actor=cast["verifikator"],
            action="enrolment.verified",
            region_code="61.01",
            changes={"status": ["diusulkan", "terverifikasi"]},
        ),
        "pontianak_village": _entry(
            actor=cast["operator_pontianak"], action="worker.nik_viewed", region_code="61.71.01.1002"
        ),
        "province": _entry(actor=cast["admin_provinsi"], action="programme.configured", region_code="61"),
        "installation": _entry(action="rules.loaded", region_code=""),
        "kalteng": _entry(action="enrolment.verified", region_code="62.01"),
    }


def test_the_page_is_at_audit_slash():
    assert reverse("audit:list") == URL


def test_an_administrator_sees_the_province_and_installation_wide_entries_newest_first(cast, entries):
    response = client_for(cast["admin_provinsi"]).get(URL)

    assert response.status_code == 200
    names = ["installation", "province", "pontianak_village", "sambas"]
    assert _shown(response) == [entries[name].pk for name in names]


def test_each_entry_is_a_sentence_in_the_readers_language_without_codes(cast, entries):
    english = client_for(cast["admin_provinsi"], language="en").get(URL).content.decode()
    assert "Verified by verifikator" in english
    assert "Whole NIK viewed by operator_pontianak" in english
    indonesian = client_for(cast["admin_provinsi"], language="id").get(URL).content.decode()
    assert "Diverifikasi oleh verifikator" in indonesian
    table = indonesian.split('data-testid="audit-table"')[1].split("</table>")[0]
    visible = re.sub(r"<[^>]+>", " ", table)  # the codes stay in data attributes, for tests and scripts
    assert "enrolment.verified" not in visible and "worker.nik_viewed" not in visible
    assert "diusulkan" not in visible  # a status code: it reads as its label, and the sentence says it


@pytest.mark.parametrize("who", ["operator_sambas", "operator_desa", "verifikator", "pimpinan", "keuangan"])
def test_roles_without_the_audit_action_are_refused(cast, entries, who):
    assert client_for(cast[who]).get(URL).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(db):
    response = client_for().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_superuser_without_region_sees_every_entry(cast, entries):
    root = User.objects.create_superuser("root", password="x-root-password-1")
    response = client_for(root, password="x-root-password-1").get(URL)
    assert set(_shown(response)) == {entry.pk for entry in entries.values()}


def test_a_superuser_bound_to_a_regency_sees_that_regency_only_and_no_installation_wide_entries(cast, entries):
    root = User.objects.create_superuser("root_sambas", password="x-root-password-1", region_id="61.01")
    response = client_for(root, password="x-root-password-1").get(URL)
    assert _shown(response) == [entries["sambas"].pk]


def test_the_page_cannot_change_the_log(cast, entries):
    response = client_for(cast["admin_provinsi"]).post(URL, {"action": "x"})
    assert response.status_code == 405
    assert AuditEntry.objects.count() == len(entries)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": "enrolment."}, ["sambas"]),
        ({"action": "worker.nik_viewed"}, ["pontianak_village"]),
        ({"username": "operator_pontianak"}, ["pontianak_village"]),
        ({"object_type": "accounts.user"}, []),
    ],
)
def test_filters_narrow_the_entries(cast, entries, query, expected):
    response = client_for(cast["admin_provinsi"]).get(URL, query)
    assert _shown(response) == [entries[name].pk for name in expected]


def test_filter_by_object_type_and_id(cast):
    admin = cast["admin_provinsi"]
    target = cast["operator_sambas"]
    mine = _entry(actor=admin, action="user.changed", obj=target, region_code="61.01")
    _entry(actor=admin, action="user.changed", obj=cast["operator_pontianak"], region_code="61.71")
    response = client_for(admin).get(URL, {"object_type": "accounts.user", "object_id": str(target.pk)})
    assert _shown(response) == [mine.pk]


def test_the_date_range_is_inclusive_in_pontianak_time(cast, monkeypatch):
    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2026, 11, day, hour, 30, tzinfo=PONTIANAK_TIME)

    before = _entry(monkeypatch, at(19, 23), region_code="61.01")
    late_first_day = _entry(monkeypatch, at(20, 23), region_code="61.01")  # 16:30 UTC, still the 20th here
    last_day = _entry(monkeypatch, at(22, 0), region_code="61.01")
    _after = _entry(monkeypatch, at(23, 0), region_code="61.01")

    response = client_for(cast["admin_provinsi"]).get(URL, {"date_from": "2026-11-20", "date_to": "2026-11-22"})

    assert _shown(response) == [last_day.pk, late_first_day.pk]
    assert before.pk not in _shown(response)


def test_an_end_date_before_the_start_date_is_an_error_next_to_the_field(cast, entries):
    response = client_for(cast["admin_provinsi"]).get(URL, {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 200
    assert b'id="date_to-error"' in response.content
    assert b"The end date must be on or after the start date." in response.content


def test_a_malformed_date_or_page_is_an_error_not_a_crash(cast, entries):
    response = client_for(cast["admin_provinsi"]).get(URL, {"date_from": "kemarin", "page": "abc"})
    assert response.status_code == 200
    assert b'id="date_from-error"' in response.content
    assert len(_shown(response)) == 4  # the broken filter does not filter


def test_pages_hold_fifty_entries_and_keep_the_filters_in_their_links(cast):
    AuditEntry.objects.bulk_create(
        AuditEntry(action="worker.registered", region_code="61.01") for _ in range(PAGE_SIZE + 5)
    )
    browser = client_for(cast["admin_provinsi"])

    first = browser.get(URL, {"action": "worker."})
    second = browser.get(URL, {"action": "worker.", "page": "2"})

    assert len(_shown(first)) == PAGE_SIZE
    assert len(_shown(second)) == 5
    assert set(_shown(first)).isdisjoint(_shown(second))
    assert max(_shown(second)) < min(_shown(first))  # newest first, across pages
    assert b'href="?action=worker.&amp;page=2"' in first.content


def test_the_number_of_queries_does_not_grow_with_the_page(cast, django_assert_num_queries):
    admin = cast["admin_provinsi"]
    browser = client_for(admin)
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=admin, actor_username="admin_provinsi", action="x.y", region_code="61", changes={"a": [1, 2]})
        for _ in range(3)
    )
    with django_assert_num_queries(5) as few:  # session, user, their authenticator (two-factor login), count, page
        browser.get(URL)
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=admin, actor_username="admin_provinsi", action="x.y", region_code="61", changes={"a": [1, 2]})
        for _ in range(PAGE_SIZE)
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = browser.get(URL)
    assert len(_shown(response)) == PAGE_SIZE
