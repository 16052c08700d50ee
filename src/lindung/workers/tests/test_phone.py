from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lindung.workers.phone import phone_normalise


@pytest.mark.parametrize(
    "written", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "812 3456 7890", "(0812) 3456.7890"]
)
def test_a_mobile_number_written_any_common_way_is_stored_as_e164(written):
    assert phone_normalise(written) == "+6281234567890"


def test_a_landline_is_stored_as_e164_too():
    assert phone_normalise("(0561) 734567") == "+62561734567"


def test_an_empty_phone_stays_empty():
    assert phone_normalise("  ") == ""


@pytest.mark.parametrize(
    ("written", "start"),
    [("0812", "A mobile number has 10 to 13 digits"), ("12345", "Write an Indonesian phone number")],
)
def test_a_wrong_number_is_a_sentence_saying_what_to_write(written, start):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        phone_normalise(written)
    assert exc.value.messages[0].startswith(start)
