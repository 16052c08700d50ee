"""``/pengaturan/``: the provincial administrator manages users, programmes, quotas, funders and BPJS offices without
Django's admin; each change audited; nobody else reaches it, and a regency's administrator only their regency."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from lindung.accounts.models import Role, User
from lindung.accounts.services import AccountFields, user_active_set, user_password_reset, user_update
from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Status
from lindung.programmes.models import Programme, RegencyQuota
from lindung.programmes.services import regency_quota_set
from lindung.public.models import BpjsOffice
from lindung.testing import (
    SAMBAS_VILLAGE,
    Cast,
    client_for,
    make_enrolment,
    make_programme,
    make_user,
    make_worker,
    set_quota,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW_USER = {
    "username": "operator_bengkayang",
    "first_name": "Rina",
    "last_name": "Wati",
    "email": "",
    "role": Role.OPERATOR_KABUPATEN,
    "region": "61.07",
}


@pytest.fixture
def sambas_admin(cast: Cast) -> User:
    """An administrator whose region is one regency (Sambas running a programme of its own)."""
    return make_user("admin_sambas", Role.ADMIN_PROVINSI, "61.01")


def _programme_post(programme: Programme, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": programme.code,
        "name": programme.name,
        "funder_type": programme.funder_type,
        "funder_name": programme.funder_name,
        "region": programme.region_id,
        "fiscal_year": programme.fiscal_year,
        "coverage_start": programme.coverage_start.isoformat(),
        "coverage_end": programme.coverage_end.isoformat(),
        "budget_ceiling": programme.budget_ceiling,
        "target_workers": programme.target_workers,
        "declared_income": programme.declared_income,
        "includes_jkk": "on",
        "includes_jkm": "on",
    }
    if programme.open_for_proposals:
        data["open_for_proposals"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_province_admin_creates_a_user_who_must_choose_a_password_at_first_login(cast: Cast) -> None:
    admin = client_for(cast["admin_provinsi"])
    response = admin.post("/pengaturan/pengguna/baru/", NEW_USER)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="operator_bengkayang")
    assert (user.role, user.region_id, user.password_temporary) == (Role.OPERATOR_KABUPATEN, "61.07", True)
    entry = AuditEntry.objects.get(action="account.created", object_id=str(user.pk))
    assert entry.region_code == "61.07" and entry.actor == cast["admin_provinsi"]
    assert password not in str(entry.changes) and entry.changes["role"] == [None, Role.OPERATOR_KABUPATEN]

    # The temporary password logs in, and every page leads to the password page until it is replaced.
    newcomer = client_for(user, password=password)
    assert newcomer.get("/pekerja/")["Location"] == "/akun/sandi/"
    assert "set by an administrator" in newcomer.get("/akun/sandi/").content.decode()
    changed = newcomer.post(
        "/akun/sandi/",
        {
            "old_password": password,
            "new_password1": "Hujan-deras-di-Singkawang!",
            "new_password2": "Hujan-deras-di-Singkawang!",
        },
    )
    assert changed.status_code == 302
    user.refresh_from_db()
    assert not user.password_temporary
    assert newcomer.get("/pekerja/").status_code == 200


def test_a_taken_username_or_a_role_at_the_wrong_level_is_refused_next_to_its_field(cast: Cast) -> None:
    admin = client_for(cast["admin_provinsi"])
    taken = admin.post("/pengaturan/pengguna/baru/", {**NEW_USER, "username": "Operator_Sambas"})
    assert "is taken" in str(taken.context["form"].errors["username"])
    village_on_a_regency = admin.post("/pengaturan/pengguna/baru/", {**NEW_USER, "role": Role.OPERATOR_DESA})
    assert "one village" in str(village_on_a_regency.context["form"].errors["region"])
    assert b'href="#id_region"' in village_on_a_regency.content  # the error at the top links to the field
    nowhere = admin.post("/pengaturan/pengguna/baru/", {**NEW_USER, "region": "99.99"})
    assert "no region" in str(nowhere.context["form"].errors["region"])
    assert not User.objects.filter(username__iexact="operator_bengkayang").exists()


def test_role_region_deactivation_and_password_reset_are_audited_and_end_the_users_sessions(cast: Cast) -> None:
    admin, operator = cast["admin_provinsi"], cast["operator_sambas"]
    page = client_for(admin).post(
        f"/pengaturan/pengguna/{operator.pk}/",
        {"first_name": "Budi", "last_name": "", "email": "", "role": Role.VERIFIKATOR, "region": "61"},
    )
    assert page.status_code == 302
    operator.refresh_from_db()
    assert (operator.role, operator.region_id) == (Role.VERIFIKATOR, "61")
    changed = AuditEntry.objects.get(action="account.changed", object_id=str(operator.pk))
    assert changed.changes["role"] == [Role.OPERATOR_KABUPATEN, Role.VERIFIKATOR]
    assert changed.changes["region"] == ["61.01", "61"]

    session = client_for(operator)
    password = user_password_reset(actor=admin, user=operator)
    assert session.get("/pekerja/").status_code == 302  # the old password's session ended
    assert client_for(operator, password=password).get("/akun/sandi/").status_code == 200
    assert AuditEntry.objects.filter(action="account.password_reset", object_id=str(operator.pk)).exists()

    client_for(admin).post(f"/pengaturan/pengguna/{operator.pk}/aktif/", {"active": "0"})
    operator.refresh_from_db()
    assert not operator.is_active
    assert AuditEntry.objects.get(action="account.deactivated").changes == {"is_active": [True, False]}


def test_an_administrator_cannot_change_their_own_role_or_access(cast: Cast) -> None:
    admin = cast["admin_provinsi"]
    fields = AccountFields(first_name="", last_name="", email="", role=Role.PIMPINAN, region_code="61")
    with pytest.raises(Exception, match="your own"):
        user_update(actor=admin, user=admin, fields=fields)
    with pytest.raises(Exception, match="your own"):
        user_active_set(actor=admin, user=admin, active=False)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN_PROVINSI and admin.is_active


def test_the_list_shows_last_login_and_who_is_off(cast: Cast) -> None:
    client_for(cast["operator_pontianak"])  # logs in: a last login
    User.objects.filter(pk=cast["pimpinan"].pk).update(is_active=False)
    page = client_for(cast["admin_provinsi"]).get("/pengaturan/pengguna/").content.decode()
    assert "operator_pontianak" in page and "never" in page and ">off<" in page


def test_the_province_admin_sets_a_quota_and_changes_a_programme_with_audit(cast: Cast, programme: Programme) -> None:
    admin = client_for(cast["admin_provinsi"])
    response = admin.post(f"/pengaturan/program/{programme.pk}/kuota/", {"regency": "61.07", "quota": "250"})
    assert response.status_code == 302
    assert RegencyQuota.objects.get(programme=programme, regency_id="61.07").quota == 250
    assert AuditEntry.objects.get(action="regencyquota.created").changes["quota"] == [None, 250]
    admin.post(f"/pengaturan/program/{programme.pk}/kuota/", {"regency": "61.07", "quota": "300"})
    assert AuditEntry.objects.get(action="regencyquota.changed").changes == {"quota": [250, 300]}

    closed = admin.post(
        f"/pengaturan/program/{programme.pk}/", _programme_post(programme, target_workers=1200, open_for_proposals=None)
    )
    assert closed.status_code == 302
    programme.refresh_from_db()
    assert (programme.open_for_proposals, programme.target_workers) == (False, 1200)
    entry = AuditEntry.objects.get(action="programme.changed")
    assert entry.changes == {"target_workers": [1000, 1200], "open_for_proposals": [True, False]}


def test_a_new_programme_is_created_in_the_app(cast: Cast, programme: Programme) -> None:
    admin = client_for(cast["admin_provinsi"])
    data = _programme_post(programme, code="KALBAR-2027", fiscal_year=2027, coverage_start="2027-01-01")
    data["coverage_end"] = "2027-12-31"
    response = admin.post("/pengaturan/program/baru/", data)
    assert response.status_code == 302
    created = Programme.objects.get(code="KALBAR-2027")
    assert AuditEntry.objects.get(action="programme.created", object_id=str(created.pk)).region_code == "61"
    duplicate = admin.post("/pengaturan/program/baru/", data)
    assert duplicate.status_code == 200 and "code" in duplicate.context["form"].errors


def test_a_programme_with_enrolments_keeps_its_region(cast: Cast, programme: Programme) -> None:
    make_enrolment(make_worker(), programme, Status.VERIFIED)
    response = client_for(cast["admin_provinsi"]).post(
        f"/pengaturan/program/{programme.pk}/", _programme_post(programme, region="61.01")
    )
    assert "cannot change" in str(response.context["form"].errors["region"])
    programme.refresh_from_db()
    assert programme.region_id == "61"


def test_a_funder_is_renamed_on_the_programmes_that_name_it(cast: Cast, programme: Programme) -> None:
    response = client_for(cast["admin_provinsi"]).post(
        "/pengaturan/sumber-dana/",
        {"funder_type": programme.funder_type, "name": programme.funder_name, "new_name": "Pemprov Kalbar"},
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.funder_name == "Pemprov Kalbar"
    assert AuditEntry.objects.get(action="programme.changed").changes["funder_name"][1] == "Pemprov Kalbar"


def test_a_bpjs_office_is_corrected_with_audit(cast: Cast) -> None:
    office = BpjsOffice.objects.get(regency_code="61.01")
    response = client_for(cast["admin_provinsi"]).post(
        f"/pengaturan/kantor-bpjs/{office.pk}/",
        {"name": "KCP Sambas", "address": "Jl. Gusti Hamzah", "source": "Surat BPJS 2026"},
    )
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.address == "Jl. Gusti Hamzah"
    assert AuditEntry.objects.get(action="bpjsoffice.changed").region_code == "61.01"


# ---------------------------------------------------------------- who reaches it


def _administration_urls(cast: Cast, programme: Programme) -> list[str]:
    quota = RegencyQuota.objects.filter(programme=programme).first()
    assert quota is not None
    user = cast["operator_pontianak"].pk
    office = BpjsOffice.objects.get(regency_code="61.71").pk
    return [
        "/pengaturan/",
        "/pengaturan/pengguna/",
        "/pengaturan/pengguna/baru/",
        f"/pengaturan/pengguna/{user}/",
        "/pengaturan/program/",
        "/pengaturan/program/baru/",
        f"/pengaturan/program/{programme.pk}/",
        "/pengaturan/sumber-dana/",
        "/pengaturan/kantor-bpjs/",
        f"/pengaturan/kantor-bpjs/{office}/",
    ]


@pytest.mark.parametrize(
    "role", ["operator_sambas", "operator_desa", "verifikator", "petugas_bpjs", "keuangan", "pimpinan"]
)
def test_no_other_role_reaches_any_administration_page_or_step(cast: Cast, programme: Programme, role: str) -> None:
    client = client_for(cast[role])
    for url in _administration_urls(cast, programme):
        assert client.get(url).status_code == 403, url
    quota = RegencyQuota.objects.filter(programme=programme).first()
    assert quota is not None
    target = cast["operator_pontianak"].pk
    steps = [
        ("/pengaturan/pengguna/baru/", NEW_USER),
        (f"/pengaturan/pengguna/{target}/aktif/", {"active": "0"}),
        (f"/pengaturan/pengguna/{target}/sandi/", {}),
        (f"/pengaturan/program/{programme.pk}/kuota/", {"regency": "61.07", "quota": "5"}),
        (f"/pengaturan/kuota/{quota.pk}/hapus/", {}),
    ]
    for url, data in steps:
        assert client.post(url, data).status_code == 403, url
    assert not AuditEntry.objects.exists()
    assert "/pengaturan/" not in client.get("/").content.decode()


def test_the_menu_links_the_administration_for_the_administrator(cast: Cast) -> None:
    assert 'href="/pengaturan/"' in client_for(cast["admin_provinsi"]).get("/audit/").content.decode()


def test_a_regency_admin_administers_their_regency_only(cast: Cast, programme: Programme, sambas_admin: User) -> None:
    client = client_for(sambas_admin)
    pontianak = cast["operator_pontianak"]
    # Another regency's accounts, the province's programme and another regency's office are absent.
    assert client.get(f"/pengaturan/pengguna/{pontianak.pk}/").status_code == 404
    assert client.post(f"/pengaturan/pengguna/{pontianak.pk}/sandi/").status_code == 404
    assert client.post(f"/pengaturan/pengguna/{pontianak.pk}/aktif/", {"active": "0"}).status_code == 404
    assert client.get(f"/pengaturan/pengguna/{cast['admin_provinsi'].pk}/").status_code == 404
    assert client.get(f"/pengaturan/program/{programme.pk}/").status_code == 404
    assert (
        client.post(f"/pengaturan/program/{programme.pk}/kuota/", {"regency": "61.01", "quota": "999"}).status_code
        == 404
    )
    quota = RegencyQuota.objects.get(programme=programme, regency_id="61.71")
    assert client.post(f"/pengaturan/kuota/{quota.pk}/hapus/").status_code == 404
    office = BpjsOffice.objects.get(regency_code="61.71")
    assert client.get(f"/pengaturan/kantor-bpjs/{office.pk}/").status_code == 404
    users = client.get("/pengaturan/pengguna/").content.decode()
    assert 'data-user="operator_sambas"' in users and 'data-user="admin_sambas"' in users
    assert 'data-user="operator_pontianak"' not in users and 'data-user="admin_provinsi"' not in users
    assert "KALBAR-2026" not in client.get("/pengaturan/program/").content.decode()
    # Nor through the services, whatever the door.
    with pytest.raises(PermissionDenied):
        user_password_reset(actor=sambas_admin, user=pontianak)
    with pytest.raises(PermissionDenied):
        regency_quota_set(actor=sambas_admin, programme=programme, regency_code="61.01", quota=999)
    # A user of another regency, or of the whole province, cannot be created.
    for region in ("61.71", "61"):
        refused = client.post("/pengaturan/pengguna/baru/", {**NEW_USER, "region": region, "role": Role.VERIFIKATOR})
        assert "outside your region" in str(refused.context["form"].errors["region"])
    assert not AuditEntry.objects.exists()
    assert RegencyQuota.objects.get(programme=programme, regency_id="61.01").quota == 100


def test_a_regency_admin_runs_their_own_programme_and_its_quota(cast: Cast, sambas_admin: User) -> None:
    own = make_programme("SAMBAS-2026", region_id="61.01", funder_type="apbd_kabkota", funder_name="Pemkab Sambas")
    client = client_for(sambas_admin)
    assert client.post(f"/pengaturan/program/{own.pk}/kuota/", {"regency": "61.01", "quota": "40"}).status_code == 302
    refused = client.post(f"/pengaturan/program/{own.pk}/kuota/", {"regency": "61.71", "quota": "40"})
    assert refused.status_code == 200 and "regency" in refused.context["quota_form"].errors
    assert list(RegencyQuota.objects.filter(programme=own).values_list("regency_id", "quota")) == [("61.01", 40)]
    created = client.post(
        "/pengaturan/pengguna/baru/", {**NEW_USER, "role": Role.OPERATOR_DESA, "region": SAMBAS_VILLAGE}
    )
    assert created.status_code == 200 and "password" in created.context
    assert User.objects.get(username="operator_bengkayang").region_id == SAMBAS_VILLAGE
    set_quota(own, "61.01", 41)  # the factory, not audited: only what the pages did is in the log below
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"regencyquota.created", "account.created"}
