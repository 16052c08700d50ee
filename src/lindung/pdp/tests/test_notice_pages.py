"""The privacy notice's pages (/pdp/pemberitahuan/): printable in Indonesian and English for the village office,
its versions; and the worker's page, which says which version the person was given, or that it was anonymised."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from lindung.privacy_notices.models import PrivacyNotice
from lindung.testing import Cast, client_for, make_worker
from lindung.workers.models import Worker
from lindung.workers.nik_hash import anonymised_nik, nik_keyed_hash

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_notice_in_force_prints_in_indonesian_unless_english_is_asked(cast: Cast):
    client = client_for(cast["operator_desa"], language="en")  # the interface's language is not the notice's
    indonesian = client.get("/pdp/pemberitahuan/")
    assert indonesian.status_code == 200
    html = indonesian.content.decode()
    assert '<article class="notice" lang="id"' in html
    text = _text(html)
    assert "Pemberitahuan Pelindungan Data Pribadi" in text
    assert "Versi 1, berlaku sejak 17 Oktober 2024." in text
    assert "Hak Anda" in text and "pejabat pelindungan data pribadi" in text
    assert "pdp/notice.css" in html and "data-print" in html  # the print stylesheet drops the site's frame

    english = client.get("/pdp/pemberitahuan/", {"bahasa": "en"})
    html = english.content.decode()
    assert '<article class="notice" lang="en"' in html
    text = _text(html)
    assert "Personal Data Protection Notice" in text and "Version 1, in force from 17 October 2024." in text
    assert "Your rights" in text and "data protection officer" in text
    # Anything else is Indonesian.
    assert 'lang="id"' in client.get("/pdp/pemberitahuan/", {"bahasa": "xx\x00"}).content.decode()


def test_the_notice_s_words_are_escaped(cast: Cast):
    PrivacyNotice.objects.create(
        version=2,
        effective_from=timezone.localdate() + dt.timedelta(days=10),
        title_id="Judul",
        title_en="Title",
        text_id="## <b>Kepala</b>\n- butir <script>alert(1)</script>\n\nParagraf & lain.",
        text_en="Text",
        source="UU 27/2022",
    )
    html = client_for(cast["operator_sambas"]).get("/pdp/pemberitahuan/versi/2/").content.decode()
    assert "<h2>&lt;b&gt;Kepala&lt;/b&gt;</h2>" in html
    assert "<li>butir &lt;script&gt;alert(1)&lt;/script&gt;</li>" in html and "<script>alert" not in html
    assert "<p>Paragraf &amp; lain.</p>" in html
    assert 'data-testid="notice-not-in-force"' in html  # a version whose date has not come says so


def test_the_versions_list_links_each_version_and_marks_the_one_in_force(cast: Cast):
    PrivacyNotice.objects.create(
        version=2,
        effective_from=timezone.localdate() + dt.timedelta(days=10),
        title_id="Judul kedua",
        title_en="Second title",
        text_id="Teks.",
        text_en="Text.",
        source="UU 27/2022",
    )
    client = client_for(cast["verifikator"])
    html = client.get("/pdp/pemberitahuan/versi/").content.decode()
    assert 'href="/pdp/pemberitahuan/versi/1/"' in html and 'href="/pdp/pemberitahuan/versi/2/"' in html
    assert re.search(r'data-version="1">.*?\(in force\)', html, re.S)
    assert not re.search(r'data-version="2">[^\n]*\(in force\)', html)
    assert client.get("/pdp/pemberitahuan/versi/3/").status_code == 404
    assert client.get(f"/pdp/pemberitahuan/versi/{2**63 - 1}/").status_code == 404


def test_the_notice_pages_need_a_signed_in_user():
    for path in ("/pdp/pemberitahuan/", "/pdp/pemberitahuan/versi/", "/pdp/pemberitahuan/versi/1/"):
        answer = client_for(None).get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/masuk/")


def test_the_worker_s_page_shows_the_notice_given_or_that_none_was_recorded(cast: Cast):
    given = make_worker(name="Budi Santoso", privacy_notice=PrivacyNotice.objects.get(version=1))
    before = make_worker(name="Agus Salim")
    client = client_for(cast["operator_sambas"])
    page = client.get(f"/pekerja/{given.pk}/").content.decode()
    assert 'href="/pdp/pemberitahuan/versi/1/">Version 1</a>, given at registration on' in page
    assert "No notice recorded" in client.get(f"/pekerja/{before.pk}/").content.decode()


def test_an_anonymised_worker_s_page_says_so_instead_of_showing_empty_fields(cast: Cast):
    worker = make_worker(name="Budi Santoso", phone="081234567890", birth_date=dt.date(1980, 5, 17))
    Worker.objects.filter(pk=worker.pk).update(
        nik=anonymised_nik(worker.pk),
        nik_hash=nik_keyed_hash(worker.nik),
        name="",
        birth_place="",
        address="",
        phone="",
        birth_date=dt.date(1980, 1, 1),
        anonymised_on=dt.date(2026, 3, 2),
    )
    answer = client_for(cast["operator_sambas"]).get(f"/pekerja/{worker.pk}/")
    html = answer.content.decode()
    text = _text(html)
    assert "Anonymised worker" in text
    assert "Anonymised on 2 Mar 2026 under the retention rules" in text
    assert "The figures keep what is below" in text
    assert "Year of birth 1980" in text
    # What is gone is not shown as if it were missing, nor offered for editing.
    for gone in ("Show whole NIK", "Place and date of birth", "Phone", "Heirs", 'data-testid="edit-link"', "#0000"):
        assert gone not in html, gone
    assert "No notice recorded" in text

    indonesian = _text(
        client_for(cast["operator_sambas"], language="id").get(f"/pekerja/{worker.pk}/").content.decode()
    )
    assert "Dianonimkan pada 2 Mar 2026" in indonesian
