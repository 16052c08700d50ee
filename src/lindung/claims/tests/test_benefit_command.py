from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lindung.claims.benefits import BenefitRequest, BenefitType, calculate_benefit

pytestmark = pytest.mark.django_db


def benefit_command(*args: str) -> str:
    out = StringIO()
    call_command("benefit", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("args", "request_fields", "total"),
    [
        ([], {}, 42_000_000),
        (["--incident", "2026-04-14"], {"incident": dt.date(2026, 4, 14)}, 10_000_000),
        (
            ["--type", "jkk-death", "--income", "2500000"],
            {"type": BenefitType.JKK_DEATH, "income": 2_500_000},
            142_000_000,
        ),
        (["--type", "jkk-total-disability"], {"type": BenefitType.JKK_TOTAL_DISABILITY}, 68_000_000),
        (
            ["--type", "jkk-partial-disability", "--percent", "10"],
            {"type": BenefitType.JKK_PARTIAL_DISABILITY, "percent": Decimal(10)},
            8_000_000,
        ),
        (["--type", "jkk-stmb", "--stmb-months", "15"], {"type": BenefitType.JKK_STMB, "stmb_months": 15}, 13_500_000),
        (["--paid-months", "36"], {"paid_months": 36}, 42_000_000),
    ],
)
def test_the_json_output_is_the_calculators_result(args: list[str], request_fields: dict[str, Any], total: int):
    defaults = ["--type", "jkm", "--membership-start", "2026-01-15", "--incident", "2026-04-15"]
    printed = json.loads(benefit_command(*defaults, *args, "--json"))
    fields: dict[str, Any] = {
        "type": BenefitType.JKM,
        "membership_start": dt.date(2026, 1, 15),
        "incident": dt.date(2026, 4, 15),
        **request_fields,
    }
    # Indonesian is the command's default language, so the labels are compared in Indonesian.
    with translation.override("id"):
        expected = calculate_benefit(BenefitRequest(**fields)).as_dict()
    assert printed == expected
    assert printed["total"] == total == sum(item["amount"] for item in printed["items"])


def test_the_json_output_has_the_shape_the_claim_pages_share():
    printed = json.loads(
        benefit_command("--type", "jkm", "--membership-start", "2020-01-01", "--incident", "2026-06-01", "--json")
    )
    assert set(printed) == {"type", "eligible", "reasons", "total", "items", "scholarship", "notes"}
    assert printed["scholarship"] == {"eligible": True, "max_children": 2, "max_amount": 174_000_000}
    assert [item["code"] for item in printed["items"]] == ["lump-sum", "periodic", "funeral"]


def test_a_decimal_comma_is_accepted_for_the_percentage():
    args = ["--type", "jkk-partial-disability", "--membership-start", "2026-01-15", "--incident", "2026-06-01"]
    printed = json.loads(benefit_command(*args, "--percent", "12,5", "--json"))
    assert printed["total"] == 10_000_000


def test_without_json_the_command_prints_a_readable_table_in_rupiah():
    printed = benefit_command(
        "--type", "jkk-death", "--membership-start", "2026-01-15", "--incident", "2026-06-01",
        "--income", "2500000", "--lang", "en",
    )  # fmt: skip
    assert printed.splitlines() == [
        "Death from a work accident (JKK): eligible",
        "  Death benefit: 48 × declared income  Rp 120,000,000",
        "  Periodic benefit, paid at once        Rp 12,000,000",
        "  Funeral costs                         Rp 10,000,000",
        "  ---------------------------------------------------",
        "  Total                                Rp 142,000,000",
        "Scholarship: yes, for at most 2 children, at most Rp 174,000,000 in all",
        "Reasons:",
        "  - The children's scholarship needs no minimum contribution period for this benefit.",
        "Notes:",
        "  - Medical care is paid as medically needed, with no ceiling.",
        "  - Transport of the injured worker is paid up to Rp 5,000,000 by land, Rp 2,000,000 by sea and "
        "Rp 10,000,000 by air.",
        "  - The scholarship is paid year by year by school level, for at most 2 children and at most "
        "Rp 174,000,000 in all.",
    ]


def test_a_worker_not_yet_a_member_is_shown_as_not_eligible_with_the_reason():
    printed = benefit_command(
        "--type", "jkm", "--membership-start", "2026-01-15", "--incident", "2026-01-14", "--lang", "en"
    )  # fmt: skip
    assert printed.splitlines() == [
        "Death (JKM): not eligible",
        "Scholarship: no",
        "Reasons:",
        "  - The incident (14 Jan 2026) is before the membership start (15 Jan 2026): it is not covered.",
    ]


def test_errors_are_in_indonesian_by_default():
    with pytest.raises(CommandError, match=re.escape("2026-02-30 bukan tanggal dengan format YYYY-MM-DD.")):
        benefit_command("--type", "jkm", "--membership-start", "2026-01-15", "--incident", "2026-02-30")


def test_a_refused_request_is_explained_in_indonesian_by_default():
    with pytest.raises(CommandError, match=re.escape("Cacat sebagian memerlukan persentase kecacatan.")):
        benefit_command(
            "--type", "jkk-partial-disability", "--membership-start", "2026-01-15", "--incident", "2026-06-01"
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "jkk-partial-disability"], "Partial disability needs the disability percentage."),
        (["--type", "jkk-partial-disability", "--percent", "lots"], "--percent takes a number such as 12.5"),
        (["--type", "jkk-partial-disability", "--percent", "150"], "at most 100"),
        (["--type", "jkk-stmb"], "needs the number of months unable to work"),
        (["--type", "jkk-stmb", "--stmb-months", "two"], "--stmb-months takes a whole number, not two."),
        (["--type", "jkm", "--income", "1.000.000"], "--income takes a whole number"),
        (["--type", "jkm", "--income", "0"], "positive whole number of rupiah"),
        (["--type", "jkm", "--paid-months", "-3"], "zero or more"),
        (["--type", "jkm", "--incident", "2026-13-01"], "2026-13-01 is not a date written YYYY-MM-DD."),
        (["--type", "jkm", "--incident", "2019-01-01"], "No benefit rules are in force"),
        (["--type", "death"], "invalid choice"),
    ],
)
def test_bad_arguments_are_explained_in_english_when_asked(args: list[str], message: str):
    defaults = {"--membership-start": "2016-01-15", "--incident": "2026-06-01"}
    for option in args[::2]:
        defaults.pop(option, None)
    fixed = [part for pair in defaults.items() for part in pair]
    with pytest.raises(CommandError, match=re.escape(message)):
        benefit_command(*fixed, *args, "--lang", "en")
