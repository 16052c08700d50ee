"""The glossary page: every headline figure's definition, in Indonesian and English, linked from every page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lindung.contributions.headline import FIGURES, TERMS
from lindung.testing import client_for

pytestmark = pytest.mark.django_db


def _terms(html: str) -> list[str]:
    return re.findall(r'data-testid="term" data-key="([a-z0-9_]+)"', html)


def test_the_glossary_defines_every_headline_figure_in_indonesian_by_default():
    response = Client().get("/bantuan/istilah/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _terms(html) == [f.key for f in FIGURES] + [t.key for t in TERMS]
    assert "Arti angka-angka" in html
    assert "Kepesertaan berstatus aktif yang masa perlindungannya mencakup hari itu" in html
    assert "Target program: seluruh target" in html
    assert "Baris tagihan yang sudah lunas" in html
    assert 'id="arrears_3_plus"' in html


def test_the_glossary_speaks_english_when_chosen():
    html = client_for(None, "en").get("/bantuan/istilah/").content.decode()
    assert "What the figures mean" in html
    assert "Enrolments with status active whose coverage period contains the day" in html
    assert "The lines of the invoices paid in full" in html


def test_every_page_links_to_the_glossary_from_its_footer():
    html = Client().get("/").content.decode()
    assert 'data-testid="footer-glossary"' in html and 'href="/bantuan/istilah/"' in html
