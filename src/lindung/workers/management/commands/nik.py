from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext

from lindung.commands import add_lang_argument
from lindung.workers.nik import NikInfo, parse_nik


def _as_dict(value: str, info: NikInfo) -> dict[str, Any]:
    return {
        "nik": info.nik or value,
        "valid": info.valid,
        "province_code": info.province_code,
        "regency_code": info.regency_code,
        "district_code": info.district_code,
        "province_name": info.province_name,
        "regency_name": info.regency_name,
        "district_name": info.district_name,
        "birth_date": info.birth_date.isoformat() if info.birth_date else None,
        "sex": info.sex,
        "serial": info.serial,
        "errors": [issue.message for issue in info.errors],
        "warnings": [issue.message for issue in info.warnings],
    }


def _region(code: str | None, name: str | None) -> str | None:
    if code is None:
        return None
    # gettext calls stay outside f-strings: xgettext (makemessages) does not see inside them.
    unknown = gettext("not in the Kemendagri data")
    return f"{code} {name or '(' + unknown + ')'}"


def _block(value: str, info: NikInfo) -> str:
    verdict = gettext("valid") if info.valid else gettext("not valid")
    lines = [f"NIK {info.nik or value}: {verdict}"]
    sex = {"L": gettext("Male"), "P": gettext("Female")}
    rows = [
        (gettext("Province"), _region(info.province_code, info.province_name)),
        (gettext("Regency/city"), _region(info.regency_code, info.regency_name)),
        (gettext("District"), _region(info.district_code, info.district_name)),
        (gettext("Birth date"), info.birth_date.isoformat() if info.birth_date else None),
        (gettext("Sex"), f"{sex[info.sex]} ({info.sex})" if info.sex else None),
    ]
    lines += [f"  {label}: {text}" for label, text in rows if text is not None]
    error, warning = gettext("Error"), gettext("Warning")
    lines += [f"  {error}: {issue.message}" for issue in info.errors]
    lines += [f"  {warning}: {issue.message}" for issue in info.warnings]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Check the structure of one or more NIKs and show what they encode: region, birth date, sex. "
        "A valid structure does not prove that a NIK exists. Exits 0 whatever the verdicts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("niks", nargs="+", metavar="NIK")
        parser.add_argument("--json", action="store_true", help="Print a JSON list, one object per NIK.")
        add_lang_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        values: list[str] = options["niks"]
        # Explicit, so the output language never depends on whatever locale the process happens to have.
        with translation.override(options["lang"]):
            results = [(value, parse_nik(value)) for value in values]
            if options["json"]:
                data = [_as_dict(value, info) for value, info in results]
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                self.stdout.write("\n\n".join(_block(value, info) for value, info in results))
