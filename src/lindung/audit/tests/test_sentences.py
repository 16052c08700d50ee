"""Audit entries as sentences in the reader's language: no action code, field name or Python value, no whole NIK."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import translation

from lindung.audit.models import AuditEntry
from lindung.audit.sentences import KINDS, entry_sentence, entry_sentences, kind_choices
from lindung.audit.services import audit_record
from lindung.enrolments.models import Enrolment, Status
from lindung.testing import make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db

# What a reader must never see: a dotted code, a snake_case name, Python's values, a whole NIK.
CODE_LIKE = re.compile(r"\b[a-z]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b|\bTrue\b|\bFalse\b|\bNone\b|[0-9]{16}")


def _entry(action: str, changes: dict[str, Any] | None = None, *, obj: Any = None, actor: Any = None) -> AuditEntry:
    return audit_record(actor=actor, action=action, obj=obj, changes=changes or {})


def _say(entry: AuditEntry, language: str) -> str:
    with translation.override(language):
        return entry_sentence(entry)


@pytest.fixture
def enrolment(cast) -> Enrolment:
    return make_enrolment(make_worker(), make_programme(), Status.SENT)


def test_an_activation_says_who_the_kpj_number_and_the_start_in_both_languages(cast, enrolment):
    entry = _entry(
        "enrolment.activated",
        {"status": ["dikirim", "aktif"], "kpj": [None, "12345678901"], "coverage_start": [None, "2026-03-01"]},
        obj=enrolment,
        actor=cast["petugas_bpjs"],
    )
    assert _say(entry, "id") == "Diaktifkan oleh petugas_bpjs, nomor KPJ 12345678901, mulai 1 Mar 2026"
    assert _say(entry, "en") == "Activated by petugas_bpjs, KPJ number 12345678901, from 1 Mar 2026"


def test_choices_read_as_their_labels_and_booleans_as_yes_or_no(cast, enrolment):
    claim_like = _entry(
        "programme.changed",
        {"open_for_proposals": [True, False], "funder_type": ["apbd_provinsi", "csr"]},
        obj=enrolment.programme,
        actor=cast["admin_provinsi"],
    )
    indonesian = _say(claim_like, "id")
    english = _say(claim_like, "en")
    assert indonesian.startswith("Program diubah oleh admin_provinsi, ")
    assert "Ya → Tidak" in indonesian and "Yes → No" in english
    assert "apbd_provinsi" not in indonesian + english and "csr" not in indonesian + english
    assert "CSR" in indonesian


def test_a_rejection_gives_its_reason_and_no_status_code(cast, enrolment):
    entry = _entry(
        "enrolment.rejected",
        {"status": ["diusulkan", "ditolak"], "rejection_reason": [None, "NIK tidak cocok"]},
        obj=enrolment,
        actor=cast["verifikator"],
    )
    assert _say(entry, "id") == "Ditolak oleh verifikator, alasan: NIK tidak cocok"
    assert _say(entry, "en") == "Rejected by verifikator, reason: NIK tidak cocok"


def test_a_change_of_a_choice_reads_before_and_after_as_labels(cast, enrolment):
    entry = _entry("enrolment.x_corrected", {"status": ["dikirim", "aktif"]}, obj=enrolment, actor=cast["verifikator"])
    with translation.override("en"):
        expected = f"Status: {Status('dikirim').label} → {Status('aktif').label}"
        assert entry_sentence(entry) == f"Recorded by verifikator, {expected}"


def test_a_value_set_for_the_first_time_shows_no_empty_before(cast, enrolment):
    entry = _entry("worker.changed", {"name": [None, "Budi"]}, obj=enrolment.worker, actor=cast["operator_sambas"])
    assert _say(entry, "id") == "Diubah oleh operator_sambas, Nama: Budi"
    assert "–" not in _say(entry, "en") and "None" not in _say(entry, "en")


def test_private_fields_are_said_to_change_without_their_values(cast):
    worker = make_worker()
    entry = _entry(
        "worker.changed",
        {"birth_date": ["1980-05-17", "1981-05-17"], "mother_maiden_name": ["***", "***"]},
        obj=worker,
        actor=cast["operator_sambas"],
    )
    sentence = _say(entry, "id")
    assert "1980" not in sentence and "1981" not in sentence and "***" not in sentence
    assert "diubah" in sentence


def test_a_whole_nik_in_an_old_entry_is_masked(cast):
    worker = make_worker()
    entry = _entry("worker.changed", {"name": ["6101015705800001", "Budi"]}, obj=worker, actor=cast["operator_sambas"])
    sentence = _say(entry, "en")
    assert "6101015705800001" not in sentence
    assert "6101******800001" in sentence


def test_a_region_is_named_not_coded(cast):
    worker = make_worker()
    entry = _entry("worker.changed", {"village": ["61.71.01.1002", worker.village_id]}, obj=worker, actor=None)
    sentence = _say(entry, "id")
    assert sentence.startswith("Diubah oleh sistem, ")
    assert worker.village_id not in sentence and "61.71" not in sentence
    assert sentence.endswith(f" → {worker.village.name}")


def test_money_and_counts_follow_the_language(cast, enrolment):
    entry = _entry("programme.changed", {"budget_ceiling": [1_000_000, 1_234_567]}, obj=enrolment.programme, actor=None)
    assert "Rp 1.000.000 → Rp 1.234.567" in _say(entry, "id")
    assert "Rp 1,000,000 → Rp 1,234,567" in _say(entry, "en")


def test_a_date_and_a_month_use_the_named_formats(cast, enrolment):
    entry = _entry(
        "enrolment.ended",
        {"coverage_end": [None, "2026-12-05"], "months": [None, "2026-08"]},
        obj=enrolment,
        actor=cast["admin_provinsi"],
    )
    assert "sampai 5 Des 2026" in _say(entry, "id") and "Agu 2026" in _say(entry, "id")
    assert "until 5 Dec 2026" in _say(entry, "en") and "Aug 2026" in _say(entry, "en")


def test_an_admin_write_names_the_model(cast, enrolment):
    entry = _entry("programme.deleted", obj=enrolment.programme, actor=cast["admin_provinsi"])
    assert _say(entry, "id") == "Program dihapus oleh admin_provinsi"
    assert _say(entry, "en") == "Programme deleted by admin_provinsi"


@pytest.mark.parametrize("action", sorted(KINDS))
@pytest.mark.parametrize("language", ["id", "en"])
def test_every_kind_reads_as_a_sentence_without_codes(cast, enrolment, action, language):
    entry = _entry(
        action,
        {
            "status": ["terverifikasi", "dikirim"],
            "kpj": [None, "12345678901"],
            "coverage_start": [None, dt.date(2026, 3, 1).isoformat()],
            "rows": [None, 1200],
            "batch": [None, 3],
            "reversed": [False, True],
            "two_factor": [False, True],
            "filter": [None, {"regency": "61.01"}],
            "heirs": [None, [{"name": "Siti", "nik": "6101015705800001"}]],
        },
        obj=enrolment,
        actor=cast["admin_provinsi"],
    )
    sentence = _say(entry, language)
    assert sentence and sentence[0].isupper()
    assert action not in sentence
    assert not CODE_LIKE.search(sentence.replace("admin_provinsi", "")), sentence  # a user name may hold a "_"
    if language == "id":
        assert sentence != _say(entry, "en"), "no Indonesian sentence"


def test_the_rows_of_a_page_share_their_look_ups(cast, django_assert_max_num_queries):
    worker = make_worker()
    for _ in range(5):
        _entry("worker.changed", {"village": [worker.village_id, worker.village_id + "x"]}, obj=worker)
    entries = list(AuditEntry.objects.all())
    with django_assert_max_num_queries(2), translation.override("id"):
        rows = entry_sentences(entries)
    assert len(rows) == 5


def test_the_filter_offers_kinds_in_words(db):
    with translation.override("id"):
        choices = kind_choices()
    labels = [label for _group, options in choices[1:] for _code, label in options]
    assert "Diaktifkan oleh …" in labels
    assert not any(CODE_LIKE.search(str(label)) for label in labels)


def test_a_batch_is_named_by_the_number_the_entry_holds(cast, enrolment):
    entry = _entry(
        "enrolment.sent", {"status": ["terverifikasi", "dikirim"], "batch": [None, 7]}, obj=enrolment, actor=None
    )
    assert _say(entry, "id").startswith("Dikirim ke BPJS oleh sistem, ")
    assert _say(entry, "id").endswith(": 7")


def test_a_write_through_the_api_names_its_client_or_token_and_a_web_write_does_not(cast, enrolment):
    from lindung.audit.channel import audit_channel

    with audit_channel("api client:7"):
        through_api = _entry("enrolment.verified", {"status": ["diusulkan", "terverifikasi"]}, obj=enrolment)
    on_the_web = _entry("enrolment.verified", {"status": ["diusulkan", "terverifikasi"]}, obj=enrolment)
    assert through_api.channel == "api client:7" and on_the_web.channel == ""
    assert _say(through_api, "id").endswith("melalui API (client:7)")
    assert _say(through_api, "en").endswith("through the API (client:7)")
    assert "API" not in _say(on_the_web, "id") + _say(on_the_web, "en")
