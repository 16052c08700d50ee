"""The admin's forms and lists check the keys and parameters they read before the database sees them: a key no
column can hold (an id beyond a bigint, a NUL), a date-hierarchy year beyond a C long, a popup's malformed
source model. Each was a server error in Django's own admin code; now an error on the form or Django's own
"?e=1" answer to a filter it cannot use."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from lindung.accounts.models import User
from lindung.programmes.models import Programme
from lindung.testing import make_programme, make_user
from lindung.workers.models import OccupationCategory

pytestmark = pytest.mark.django_db

HUGE = str(2**63)


@pytest.fixture
def root(db: None) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def _user_change(user: User, **fields: str) -> dict[str, str]:
    return {
        "username": user.username,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "role": "",
        "region": "",
        **fields,
    }


@pytest.mark.parametrize("field", ["groups", "user_permissions"])
@pytest.mark.parametrize("key", [HUGE, str(10**30)])
def test_a_user_s_group_or_permission_beyond_a_bigint_is_no_server_error(root: Client, field: str, key: str) -> None:
    """Lindung decides what a user may do by role: the user form has no groups or permissions to post (a key
    beyond a bigint there was a server error); one posted anyway is left out."""
    user = make_user("someone")
    response = root.post(f"/admin/accounts/user/{user.pk}/change/", _user_change(user, **{field: key}))
    assert response.status_code == 302
    assert not user.groups.exists() and not user.user_permissions.exists()


@pytest.mark.parametrize("region", ["\x00", "61\x00", "6" * 14])
def test_a_region_code_no_region_can_have_is_refused_on_the_form(root: Client, region: str) -> None:
    user = make_user("someone")
    response = root.post(f"/admin/accounts/user/{user.pk}/change/", _user_change(user, region=region))
    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors


def test_a_programme_s_regency_quota_with_a_nul_is_refused_on_the_form(root: Client) -> None:
    programme = make_programme("KALBAR-2026")
    form: dict[str, Any] = {
        "code": programme.code,
        "name": programme.name,
        "funder_type": programme.funder_type,
        "funder_name": programme.funder_name,
        "region": "61",
        "fiscal_year": "2026",
        "coverage_start": "2026-01-01",
        "coverage_end": "2026-12-31",
        "budget_ceiling": "1000",
        "target_workers": "10",
        "declared_income": "1000000",
        "quotas-TOTAL_FORMS": "1",
        "quotas-INITIAL_FORMS": "0",
        "quotas-0-regency": "61.01\x00",
        "quotas-0-quota": "10",
    }
    response = root.post(f"/admin/programmes/programme/{programme.pk}/change/", form)
    assert response.status_code == 200
    assert not Programme.objects.get().quotas.exists()


@pytest.mark.parametrize("part", ["year", "month", "day"])
def test_a_date_hierarchy_part_no_date_can_have_is_answered_like_any_filter_the_admin_cannot_use(
    root: Client, part: str
) -> None:
    query = {"at__year": "2026", "at__month": "12", "at__day": "5", f"at__{part}": HUGE}
    response = root.get("/admin/audit/auditentry/", query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_date_hierarchy_still_drills_down(root: Client) -> None:
    response = root.get("/admin/audit/auditentry/", {"at__year": "2026", "at__month": "12"})
    assert response.status_code == 200


@pytest.mark.parametrize("source", ["x", HUGE, "-1"])
def test_a_category_added_from_a_popup_with_a_malformed_source_model_is_added(root: Client, source: str) -> None:
    form = {"code": "PENYADAP_KARET", "name": "Penyadap karet", "active": "on", "sort_order": "100"}
    response = root.post(
        "/admin/workers/occupationcategory/add/",
        {**form, "_popup": "1", "_to_field": "id", "_source_model": source},
    )
    assert response.status_code == 200
    assert OccupationCategory.objects.filter(code="PENYADAP_KARET").exists()


def test_groups_are_not_managed_in_the_admin(root: Client) -> None:
    """Lindung decides what a user may do by role; a group's page (where a permission beyond a bigint was a
    server error) is not there to be posted to."""
    assert root.post("/admin/auth/group/add/", {"name": "Petugas", "permissions": HUGE}).status_code == 404
    assert not Group.objects.exists()


@pytest.mark.parametrize("query", [{"q": "\x00"}, {"unit__exact": "\x00"}, {"q": "ab", "confidence": "x\x00"}])
def test_a_search_or_filter_holding_a_nul_is_answered_like_any_filter_the_admin_cannot_use(
    root: Client, query: dict[str, str]
) -> None:
    response = root.get("/admin/rules/rulevalue/", query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
