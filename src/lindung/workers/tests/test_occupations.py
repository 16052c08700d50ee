"""Occupations as people write them ("Marbot", "petani sawit") are read as their category, from one data file
by one rule (``lindung.workers.occupations``), on the registration form (the import: ``test_proposal_rules``)."""

from __future__ import annotations

import pytest

from lindung.testing import client_for, make_worker
from lindung.workers.categories import DEFAULT_CATEGORIES
from lindung.workers.forms import OccupationField, WorkerForm
from lindung.workers.models import OccupationCategory, Worker
from lindung.workers.occupations import (
    active_occupation_index,
    occupation_category_id,
    occupation_index,
    occupation_key,
    occupation_synonyms,
)
from lindung.workers.tests.conftest import form_post, registration

# The issue's examples, as people type them, and their categories.
ISSUE_EXAMPLES = [
    ("Marbot", "KEAGAMAAN"),
    ("guru ngaji", "KEAGAMAAN"),
    ("Pendeta", "KEAGAMAAN"),
    ("USTADZ", "KEAGAMAAN"),
    ("Petani Sawit", "PETANI"),
    ("nelayan  tangkap", "NELAYAN"),
]


def test_every_occupation_of_the_file_names_a_known_category_once_and_its_source():
    codes = {code for code, _, _ in DEFAULT_CATEGORIES}
    category_words = {occupation_key(word) for code, name, _ in DEFAULT_CATEGORIES for word in (code, name)}
    seen: set[str] = set()
    for synonym in occupation_synonyms():
        key = occupation_key(synonym.occupation)
        assert synonym.category in codes, synonym
        assert synonym.source, synonym
        assert key == synonym.occupation, f"{synonym.occupation!r}: written as it is compared (lower case)"
        assert key not in seen, f"{synonym.occupation!r} is in the file twice"
        assert key not in category_words, f"{synonym.occupation!r} is a category's own code or name"
        seen.add(key)


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "code"), ISSUE_EXAMPLES)
def test_the_issue_s_occupations_are_read_as_their_category(typed: str, code: str):
    category = OccupationField().clean(typed)
    assert category.code == code
    assert occupation_category_id(typed, active_occupation_index()) == category.pk


def test_a_category_s_own_name_wins_over_a_synonym_and_a_missing_category_has_no_synonyms():
    index = occupation_index([(1, "PETANI", "Petani"), (2, "LAIN", "marbot")])
    assert index["marbot"] == 2  # a category named so, not KEAGAMAAN's synonym
    assert index["petani sawit"] == 1
    assert "guru ngaji" not in index  # KEAGAMAAN is not among the categories


@pytest.mark.django_db
def test_an_inactive_category_takes_its_synonyms_with_it():
    OccupationCategory.objects.filter(code="KEAGAMAAN").update(active=False)
    assert occupation_category_id("marbot", active_occupation_index()) is None


@pytest.mark.django_db
def test_the_registration_form_registers_a_marbot_as_a_religious_worker(cast):
    data = form_post(registration(), occupation="Marbot")
    response = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Worker.objects.get(nik=data["nik"]).occupation.code == "KEAGAMAAN"


@pytest.mark.django_db
def test_an_unknown_occupation_is_refused_next_to_its_field_with_what_was_typed_kept(cast):
    data = form_post(registration(), occupation="Astronot")
    page = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", data).content.decode()
    block = page.split('data-field="occupation"', 1)[1].split('<div class="field', 1)[0]
    assert "Unknown occupation Astronot: choose a category or an occupation from the list." in block
    assert 'value="Astronot"' in block
    assert not Worker.objects.filter(nik=data["nik"]).exists()


@pytest.mark.django_db
def test_the_form_offers_the_categories_and_the_occupations_of_the_file(cast):
    page = client_for(cast["operator_sambas"]).get("/pekerja/daftar/").content.decode()
    options = page.split('<datalist id="occupation-options">', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="Pekerja keagamaan" label="KEAGAMAAN">' in options
    assert '<option value="marbot" label="Pekerja keagamaan">' in options
    assert 'list="occupation-options"' in page


@pytest.mark.django_db
def test_editing_shows_the_worker_s_category_by_its_name(cast):
    worker = make_worker(occupation=OccupationCategory.objects.get(code="NELAYAN"))
    form = WorkerForm(user=cast["operator_sambas"], editing=True, initial={"occupation": worker.occupation})
    assert 'value="Nelayan"' in str(form["occupation"])


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["x" * 5_000, "Marbot\x00"])
def test_an_absurd_occupation_is_an_error_next_to_its_field(cast, typed: str):
    data = form_post(registration(), occupation=typed)
    response = client_for(cast["operator_sambas"]).post("/pekerja/daftar/", data)
    assert response.status_code == 200
    block = response.content.decode().split('data-field="occupation"', 1)[1].split('<div class="field', 1)[0]
    assert 'class="field-error"' in block
