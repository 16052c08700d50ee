"""Every write through /admin/ is audited, whatever the page: one case per writable admin page and action.

``test_every_writable_admin_page_has_an_audited_case`` walks the admin's registry as a superuser sees
it: each model admin that may add, change or delete, each of its inlines and each action must have a
case below, which makes that write through the admin's HTTP pages and expects its audit entries. A new
writable admin without a case fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from lindung.accounts.models import LoginLock, User
from lindung.audit.models import AuditEntry
from lindung.programmes.models import Programme, RegencyQuota
from lindung.testing import TEST_PASSWORD, client_for, make_programme, make_user, set_quota
from lindung.workers.models import OccupationCategory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Perahu-Biru-Senja-42"


def _form_data(form: forms.BaseForm) -> dict[str, Any]:
    """What a browser would post back for ``form`` as rendered: every field with its current value."""
    data: dict[str, Any] = {}
    for field in form:
        if field.field.disabled:
            continue
        widget = field.field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        context = widget.get_context(field.html_name, field.value(), {})["widget"]
        for sub in context["subwidgets"] if isinstance(widget, forms.MultiWidget) else [context]:
            if sub.get("type") == "checkbox":
                if sub["attrs"].get("checked"):
                    data[sub["name"]] = "on"
            elif sub.get("type") != "file":
                value = sub["value"]
                data[sub["name"]] = "" if value is None else value
    return data


def _page_data(response: Any) -> dict[str, Any]:
    """The POST data of an admin add or change page: its form and every inline formset, as shown."""
    context = response.context
    data = _form_data(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def _submit(client: Client, url: str, **changes: Any) -> Any:
    data = _page_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and _errors(response)
    return response


def _errors(response: Any) -> Any:
    context = response.context
    return context.get("errors") or context["adminform"].form.errors


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """``run`` writes through the admin as the superuser and returns the (action, object) entries it expects."""

    run: Callable[[Client], list[tuple[str, Any]]]


def _user_add(client: Client) -> list[tuple[str, Any]]:
    _submit(
        client,
        reverse("admin:accounts_user_add"),
        username="baru",
        usable_password="true",
        password1=NEW_PASSWORD,
        password2=NEW_PASSWORD,
    )
    return [("user.created", User.objects.get(username="baru"))]


def _user_change(client: Client) -> list[tuple[str, Any]]:
    user = make_user("pindah", "operator_kabupaten", "61.01")
    _submit(client, reverse("admin:accounts_user_change", args=[user.pk]), region="61.71", is_staff="on")
    changes = AuditEntry.objects.get(action="user.changed").changes
    assert (changes["region"], changes["is_staff"]) == (["61.01", "61.71"], [False, True])
    return [("user.changed", user)]


def _user_password(client: Client) -> list[tuple[str, Any]]:
    user = make_user("lupa")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.get(action="account.password_changed").changes == {"password": ["***", "***"]}
    return [("account.password_changed", user)]


def _user_delete(client: Client) -> list[tuple[str, Any]]:
    user = make_user("pergi")
    response = client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    return [("user.deleted", user)]


def _user_unlock(client: Client) -> list[tuple[str, Any]]:
    user = make_user("terkunci", "operator_kabupaten", "61.01")
    LoginLock.objects.create(username="terkunci", locked_at=timezone.now())
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_logins", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    return [("account.unlocked", user)]


def _user_reset_two_factor(client: Client) -> list[tuple[str, Any]]:
    user = make_user("hilang_hp", "verifikator", "61")
    TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    response = client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    return [("account.2fa_reset", user)]


def _programme_add(client: Client) -> list[tuple[str, Any]]:
    _submit(
        client,
        reverse("admin:programmes_programme_add"),
        code="SAMBAS-2027",
        name="Perlindungan Pekerja Rentan Sambas",
        funder_type="apbd_kabkota",
        funder_name="Pemerintah Kabupaten Sambas",
        region="61.01",
        fiscal_year="2027",
        coverage_start="2027-01-01",
        coverage_end="2027-12-31",
        budget_ceiling="201600000",
        target_workers="1000",
        **{"quotas-TOTAL_FORMS": "1", "quotas-0-regency": "61.01", "quotas-0-quota": "1000"},
    )
    programme = Programme.objects.get(code="SAMBAS-2027")
    return [("programme.created", programme), ("regencyquota.created", programme.quotas.get())]


def _programme_change_quota(client: Client) -> list[tuple[str, Any]]:
    programme = make_programme("KALBAR-2027", year=2027)
    quota = set_quota(programme, "61.01", 100)
    _submit(client, reverse("admin:programmes_programme_change", args=[programme.pk]), **{"quotas-0-quota": "150"})
    entry = AuditEntry.objects.get(action="regencyquota.changed")
    assert entry.changes == {"quota": [100, 150]}
    return [("programme.changed", programme), ("regencyquota.changed", quota)]


def _programme_delete_quota(client: Client) -> list[tuple[str, Any]]:
    programme = make_programme("KALBAR-2027", year=2027)
    quota = set_quota(programme, "61.01", 100)
    _submit(client, reverse("admin:programmes_programme_change", args=[programme.pk]), **{"quotas-0-DELETE": "on"})
    assert not RegencyQuota.objects.filter(pk=quota.pk).exists()
    return [("programme.changed", programme), ("regencyquota.deleted", quota)]


def _programme_delete(client: Client) -> list[tuple[str, Any]]:
    programme = make_programme("HAPUS-2027", year=2027)
    response = client.post(reverse("admin:programmes_programme_delete", args=[programme.pk]), {"post": "yes"})
    assert response.status_code == 302
    return [("programme.deleted", programme)]


def _category_add(client: Client) -> list[tuple[str, Any]]:
    _submit(client, reverse("admin:workers_occupationcategory_add"), code="PENJAGA_HUTAN", name="Penjaga hutan")
    return [("occupationcategory.created", OccupationCategory.objects.get(code="PENJAGA_HUTAN"))]


def _category_change_in_list(client: Client) -> list[tuple[str, Any]]:
    url = reverse("admin:workers_occupationcategory_changelist")
    changelist: Any = client.get(url).context["cl"]
    data = _form_data(changelist.formset.management_form)
    for form in changelist.formset.forms:
        data.update(_form_data(form))
    first = changelist.formset.forms[0]
    data[f"{first.prefix}-sort_order"] = "999"
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302
    category = first.instance
    entry = AuditEntry.objects.get(action="occupationcategory.changed")
    assert entry.changes == {"sort_order": [category.sort_order, 999]}
    return [("occupationcategory.changed", category)]


def _category_delete(client: Client) -> list[tuple[str, Any]]:
    category = OccupationCategory.objects.create(code="HAPUS", name="Hapus")
    response = client.post(reverse("admin:workers_occupationcategory_delete", args=[category.pk]), {"post": "yes"})
    assert response.status_code == 302
    return [("occupationcategory.deleted", category)]


CASES: dict[tuple[str, str], Case] = {
    ("accounts.User", "add"): Case(_user_add),
    ("accounts.User", "change"): Case(_user_change),
    ("accounts.User", "change:password"): Case(_user_password),
    ("accounts.User", "delete"): Case(_user_delete),
    ("accounts.User", "action:unlock_logins"): Case(_user_unlock),
    ("accounts.User", "action:reset_two_factor"): Case(_user_reset_two_factor),
    ("programmes.Programme", "add"): Case(_programme_add),
    ("programmes.Programme", "change"): Case(_programme_change_quota),
    ("programmes.Programme", "inline:programmes.RegencyQuota"): Case(_programme_delete_quota),
    ("programmes.Programme", "delete"): Case(_programme_delete),
    ("workers.OccupationCategory", "add"): Case(_category_add),
    ("workers.OccupationCategory", "change"): Case(_category_change_in_list),
    ("workers.OccupationCategory", "delete"): Case(_category_delete),
}


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser("root", password=TEST_PASSWORD)


def test_every_writable_admin_page_has_an_audited_case(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    needed = set()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        for kind, allowed in (
            ("add", model_admin.has_add_permission(request)),
            ("change", model_admin.has_change_permission(request)),
            ("delete", model_admin.has_delete_permission(request)),
        ):
            if allowed:
                needed.add((label, kind))
        if model_admin.has_change_permission(request) and isinstance(model_admin, admin.ModelAdmin):
            for inline in model_admin.get_inline_instances(request):
                needed.add((label, f"inline:{inline.model._meta.label}"))
        for name in model_admin.get_actions(request):
            needed.add((label, f"action:{name}"))
    missing = sorted(needed - set(CASES))
    assert not missing, f"admin writes without an audited case in this test: {missing}"
    # The user admin has a password page of its own, which Django's permissions do not list.
    assert ("accounts.User", "change:password") in CASES and ("accounts.User", "change") in needed


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda key: f"{key[0]}-{key[1]}")
def test_an_admin_write_is_audited_with_who_did_it_and_no_password(root, key):
    client = client_for(root)
    before = set(AuditEntry.objects.values_list("pk", flat=True))

    expected = CASES[key].run(client)

    entries = AuditEntry.objects.exclude(pk__in=before)
    found = {(e.action, e.object_type, e.object_id) for e in entries}
    for action, obj in expected:
        assert (action, obj._meta.label_lower, str(obj.pk)) in found, (action, obj, found)
    assert all(e.actor == root for e in entries)
    for entry in entries:
        assert NEW_PASSWORD not in str(entry.changes) + entry.note
        assert TEST_PASSWORD not in str(entry.changes) + entry.note


def test_the_admins_own_password_page_is_audited(root):
    client = client_for(root)
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="account.password_changed")
    assert (entry.actor, entry.object_id, entry.changes) == (root, str(root.pk), {"password": ["***", "***"]})


def test_groups_and_permissions_are_not_granted_through_the_admin(root):
    # Lindung decides what a user may do by their role; groups and permissions would be a second, unaudited way.
    client = client_for(root)
    form: Any = client.get(reverse("admin:accounts_user_change", args=[root.pk])).context["adminform"].form
    assert "groups" not in form.fields and "user_permissions" not in form.fields
    assert client.get("/admin/auth/group/").status_code == 404
