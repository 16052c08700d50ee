"""The records of processing (issue 19, item 7): generated from the application's configuration, so that a new
personal field, a changed retention rule, a new API client or another setting shows, or the tests fail. The page in
both languages, the PDF, who may open them. Both databases."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
from django.utils import timezone, translation

from lindung.accounts.api_access import api_client_create, api_client_revoke
from lindung.accounts.models import Role, User
from lindung.pdp.personal_data import FIELDS, field_mismatch, personal_fields, unnamed_fields
from lindung.pdp.processing_activities import ACTIVITIES
from lindung.pdp.processing_records import ActivityRecord, processing_register, undescribed_tables
from lindung.pdp.records_views import processing_records_pdf
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue
from lindung.testing import Cast, client_for, make_user
from lindung.workers.models import Worker

pytestmark = pytest.mark.django_db

URL = "/pdp/catatan-pemrosesan/"
TODAY = timezone.localdate()


def _section(page: str, testid: str) -> str:
    """The text of the element ``data-testid=testid`` (one ``dd`` of the register), tags stripped."""
    match = re.search(rf'data-testid="{re.escape(testid)}">(.*?)</dd>', page, re.S)
    assert match, f"no {testid} on the page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))))


def _page(user: User, language: str = "en") -> str:
    response = client_for(user, language).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _activity(key: str, on: dt.date = TODAY) -> ActivityRecord:
    return next(record for record in processing_register(on=on).activities if record.key == key)


# --- the catalogue of personal fields stays complete ---------------------------------------------------------


def test_every_field_of_a_catalogued_table_is_described_and_every_described_name_is_a_field() -> None:
    mismatches = {label: field_mismatch(apps.get_model(label)) for label in FIELDS}
    assert {label: found for label, found in mismatches.items() if found != ([], [])} == {}


def test_every_table_about_a_person_is_processed_by_some_activity() -> None:
    assert undescribed_tables() == []


def test_every_personal_field_has_a_name_in_the_readers_language() -> None:
    assert unnamed_fields() == []


def test_a_personal_field_added_to_the_worker_without_a_description_is_caught() -> None:
    """A Worker of tomorrow with an e-mail address: the catalogue does not name it, so the test above fails."""
    plain = {
        field.name: field.clone()
        for field in Worker._meta.concrete_fields
        if not field.is_relation and not field.primary_key
    }
    with isolate_apps("lindung.workers"):
        meta = type("Meta", (), {"app_label": "workers"})
        tomorrow = type(
            "Worker",
            (models.Model,),
            {**plain, "email": models.EmailField("e-mail"), "__module__": "lindung.workers.models", "Meta": meta},
        )
        undescribed, _stale = field_mismatch(tomorrow)
    assert undescribed == ["email"]


def test_the_page_lists_every_personal_field_of_the_worker_and_the_heirs(cast: Cast) -> None:
    text = _section(_page(cast["pejabat_pdp"]), "data-registration")
    with translation.override("en"):
        names = [name for label in ("workers.Worker", "workers.Heir") for _kind, name in personal_fields(label)]
    assert "NIK" in names and "mother's maiden name" in names
    for name in names:
        assert name[0].upper() + name[1:] in text, name


def test_a_backup_holds_every_kind_of_personal_data() -> None:
    kinds = {line.kind for record in processing_register(on=TODAY).activities for line in record.data}
    assert {line.kind for line in _activity("backups").data} == kinds


# --- retention, recipients, measures and roles follow the configuration --------------------------------------


def test_the_retention_shown_is_the_rule_in_force_and_follows_a_new_rule(cast: Cast) -> None:
    before = _section(_page(cast["pejabat_pdp"]), "retention-registration")
    assert "2 years" in before and "17 Oct 2022" in before
    RuleValue.objects.create(
        key=Rule.RETENTION_NEVER_ENROLLED,
        effective_from=TODAY,
        value=3,
        unit="years",
        source="Perda Kalbar 9/2026",
        confidence="high",
    )
    after = _section(_page(cast["pejabat_pdp"]), "retention-registration")
    assert "3 years" in after and "Perda Kalbar 9/2026" in after and "2 years" not in after
    # The day before the new rule, the old one is still the one in force.
    line = _activity("registration", on=TODAY - dt.timedelta(days=1)).retention[0]
    assert line.years == 2


def test_the_retention_run_lists_every_retention_rule() -> None:
    keys = {rule.value for rule in Rule if rule.value.startswith("retention.")}
    shown = {line.years for line in _activity("retention").retention}
    assert len(_activity("retention").retention) == len(keys)
    assert shown == {2, 5, 10}


def test_a_registered_api_client_is_a_recipient_by_name_and_scope_until_revoked(cast: Cast) -> None:
    admin = cast["admin_provinsi"]
    client, _secret = api_client_create(
        actor=admin, name="OpenSID Kabupaten Sambas", region_code="61.01", scopes=["registry.read"]
    )
    page = _page(cast["pejabat_pdp"])
    assert "OpenSID Kabupaten Sambas" in _section(page, "recipients-registration")
    assert "<code>registry.read</code>" in page
    assert "OpenSID Kabupaten Sambas" in _section(page, "recipients-api")
    # Its scope reads the registry; it takes no part in the money.
    assert "OpenSID" not in _section(page, "recipients-contributions")
    api_client_revoke(actor=admin, client=client)
    assert "OpenSID" not in _page(cast["pejabat_pdp"])


def test_bpjs_receives_the_columns_of_the_batch_file() -> None:
    from lindung.enrolments.bpjs import EXPORT_HEADERS

    bpjs = _activity("bpjs").recipients[0]
    assert bpjs.name == "BPJS Ketenagakerjaan"
    assert bpjs.codes == [header for header, _text in EXPORT_HEADERS]


def test_the_civil_registry_is_named_as_the_settings_connect_it(settings: object, tmp_path: object) -> None:
    settings.LINDUNG_DUKCAPIL_URL = ""  # type: ignore[attr-defined]
    settings.LINDUNG_DUKCAPIL_FILE = ""  # type: ignore[attr-defined]
    with translation.override("en"):
        assert "Not connected" in _activity("deaths").recipients[0].what
        settings.LINDUNG_DUKCAPIL_FILE = "/srv/dukcapil/deaths.json"  # type: ignore[attr-defined]
        assert "read from a file" in _activity("deaths").recipients[0].what
        settings.LINDUNG_DUKCAPIL_URL = "https://gateway.dukcapil.example.go.id/v1"  # type: ignore[attr-defined]
        settings.LINDUNG_DUKCAPIL_TOKEN_FILE = "/nonexistent/token"  # type: ignore[attr-defined]
        what = _activity("deaths").recipients[0].what
    # The host, never the token (nor is the token file read).
    assert "gateway.dukcapil.example.go.id" in what and "/v1" not in what and "token" not in what


def test_the_security_measures_follow_the_settings(settings: object) -> None:
    settings.LINDUNG_REQUIRE_2FA = False  # type: ignore[attr-defined]
    settings.LINDUNG_BACKUP_KEY = ""  # type: ignore[attr-defined]
    settings.LINDUNG_SESSION_IDLE_MINUTES = 30  # type: ignore[attr-defined]
    settings.HTTPS = False  # type: ignore[attr-defined]
    with translation.override("en"):
        common = " ".join(processing_register(on=TODAY).measures)
        backups = " ".join(_activity("backups").measures)
        assert "required of nobody" in common and "30 minutes" in common and "not enforced" in common
        assert "NOT encrypted" in backups
        settings.LINDUNG_REQUIRE_2FA = True  # type: ignore[attr-defined]
        settings.LINDUNG_BACKUP_KEY = "/etc/lindung/backup.key"  # type: ignore[attr-defined]
        settings.LINDUNG_SESSION_IDLE_MINUTES = 15  # type: ignore[attr-defined]
        settings.HTTPS = True  # type: ignore[attr-defined]
        settings.SECURE_HSTS_SECONDS = 365 * 86400  # type: ignore[attr-defined]
        common = " ".join(processing_register(on=TODAY).measures)
        backups = " ".join(_activity("backups").measures)
    assert "is required of every user who sees a whole province" in common
    assert "15 minutes" in common and "365 days" in common
    assert "AES-256-GCM" in backups and "NOT" not in backups


def test_the_roles_are_those_of_the_role_table() -> None:
    with translation.override("en"):
        registration = _activity("registration").roles
        retention = _activity("retention").roles
        public = _activity("public_check").roles
        village, leadership, officer = (
            str(r.label) for r in (Role.OPERATOR_DESA, Role.PIMPINAN, Role.PEJABAT_PELINDUNGAN_DATA)
        )
    assert village in registration
    assert leadership not in registration  # leadership reads figures, never a whole NIK
    assert officer in retention
    assert public == ["Anyone, without signing in"]


def test_only_purpose_and_legal_basis_are_written_per_activity() -> None:
    keys = [activity.key for activity in ACTIVITIES]
    assert len(keys) == len(set(keys))
    for activity in ACTIVITIES:
        assert str(activity.purpose) and str(activity.legal_basis)
        assert activity.tables or activity.every_table, activity.key


# --- the page, the PDF and who opens them ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "purpose"),
    [("id", "Catatan pemrosesan", "Tujuan"), ("en", "Records of processing", "Purpose")],
)
def test_the_page_is_in_the_readers_language(cast: Cast, language: str, title: str, purpose: str) -> None:
    page = _page(cast["pejabat_pdp"], language)
    assert f"<h1>{title}</h1>" in page
    assert f"<dt>{purpose}</dt>" in page
    assert page.count('class="activity"') == len(ACTIVITIES)


@pytest.mark.parametrize("username", ["pejabat_pdp", "admin_provinsi"])
def test_the_officer_and_the_province_admin_open_the_register(cast: Cast, username: str) -> None:
    assert client_for(cast[username]).get(URL).status_code == 200
    response = client_for(cast[username]).get(URL + "pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("username", ["operator_desa", "operator_sambas", "verifikator", "keuangan", "pimpinan"])
def test_other_roles_may_not_open_the_register(cast: Cast, username: str) -> None:
    assert client_for(cast[username]).get(URL).status_code == 403
    assert client_for(cast[username]).get(URL + "pdf/").status_code == 403


def test_a_visitor_is_sent_to_sign_in() -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_a_regency_officer_sees_the_same_register(cast: Cast) -> None:
    """The register holds no person's data: nothing in it depends on the reader's region."""
    regency = make_user("pdp_sambas", Role.PEJABAT_PELINDUNGAN_DATA, "61.01")
    assert client_for(regency).get(URL).status_code == 200


def test_the_retention_page_leads_to_the_register(cast: Cast) -> None:
    page = client_for(cast["pejabat_pdp"]).get("/pdp/retensi/").content.decode()
    assert f'href="{URL}"' in page and 'href="/pdp/penahanan/"' in page


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_pdf_is_a_valid_a4_document_with_every_activity(language: str) -> None:
    import weasyprint

    pdf = processing_records_pdf(language=language)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    source = _pdf_html(language)
    document = weasyprint.HTML(string=source).render()
    assert len(document.pages) >= 3
    width, height = document.pages[0].width, document.pages[0].height
    assert round(width / height, 2) == round(210 / 297, 2)  # A4 upright
    with translation.override(language):
        for activity in ACTIVITIES:
            assert html.escape(str(activity.title), quote=False) in source


def _pdf_html(language: str) -> str:
    from django.template.loader import render_to_string

    with translation.override(language):
        return render_to_string("pdp/processing_records_pdf.html", {"register": processing_register(on=TODAY)})


def test_the_register_costs_the_same_queries_for_one_api_client_or_many(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = cast["admin_provinsi"]
    api_client_create(actor=admin, name="Klien 0", region_code="61.01", scopes=["registry.read"])
    with CaptureQueriesContext(connection) as one:
        processing_register(on=TODAY)
    for number in range(1, 5):
        api_client_create(actor=admin, name=f"Klien {number}", region_code="61", scopes=["figures", "claims"])
    with CaptureQueriesContext(connection) as five:
        processing_register(on=TODAY)
    assert len(five) == len(one)
