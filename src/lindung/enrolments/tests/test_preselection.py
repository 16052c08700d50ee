"""What there is only one of starts chosen: the village of a village operator on the registration form, the
only open programme on the proposal form and on the upload form."""

from __future__ import annotations

import re

import pytest

from lindung.testing import SAMBAS_VILLAGE, client_for, make_programme, make_worker

pytestmark = pytest.mark.django_db


def _selected(page: str, select_id: str) -> list[str]:
    select = page.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    # The empty first option is "selected" when nothing is: only a real choice counts.
    return [value for value in re.findall(r'<option value="([^"]*)"[^>]*selected', select) if value]


def test_a_village_operator_starts_with_their_village_chosen(cast):
    page = client_for(cast["operator_desa"]).get("/pekerja/daftar/").content.decode()
    assert _selected(page, "id_village") == [SAMBAS_VILLAGE]
    # The pickers above it follow: its regency and district.
    assert _selected(page, "pick-regency") == [SAMBAS_VILLAGE[:5]]
    assert _selected(page, "pick-district") == [SAMBAS_VILLAGE[:8]]


def test_a_regency_operator_chooses_the_village(cast):
    page = client_for(cast["operator_sambas"]).get("/pekerja/daftar/").content.decode()
    assert _selected(page, "id_village") == []


def test_the_only_open_programme_starts_chosen_on_the_proposal_form(cast):
    programme = make_programme()
    make_programme("TUTUP-2026", open_for_proposals=False)
    worker = make_worker()
    page = client_for(cast["operator_sambas"]).get(f"/kepesertaan/usulkan/{worker.pk}/").content.decode()
    assert _selected(page, "id_programme") == [str(programme.pk)]


def test_with_two_open_programmes_the_proposal_form_asks_which(cast):
    make_programme()
    make_programme("SAMBAS-2026", region_id="61.01")
    worker = make_worker()
    page = client_for(cast["operator_sambas"]).get(f"/kepesertaan/usulkan/{worker.pk}/").content.decode()
    assert _selected(page, "id_programme") == []


def test_the_only_open_programme_starts_chosen_on_the_upload_form(cast):
    programme = make_programme()
    page = client_for(cast["operator_sambas"]).get("/impor/").content.decode()
    assert _selected(page, "id_programme") == [str(programme.pk)]
    make_programme("SAMBAS-2026", region_id="61.01")
    page = client_for(cast["operator_sambas"]).get("/impor/").content.decode()
    assert _selected(page, "id_programme") == []
