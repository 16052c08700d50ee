"""``lindung api-schema [--out FILE]``: the API's OpenAPI 3.1 document, as ``/api/v1/openapi.json`` serves it,
written to FILE (or printed). ``make openapi`` writes the committed copy, ``docs/api/openapi.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from lindung.api.app import api


def openapi_document() -> str:
    """The document as text: keys in the code's order, two spaces, a newline at the end; in English, so that it
    does not depend on the language of whoever runs it."""
    with translation.override("en"):
        schema = api.get_openapi_schema()
        return json.dumps(schema, indent=2, ensure_ascii=False, default=str) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document (JSON) to a file, or print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", metavar="FILE", help="Write it here (docs/api/openapi.json) instead of printing.")

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        if options["out"]:
            out = Path(options["out"])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(document, encoding="utf-8")
            self.stderr.write(f"{out}: {len(document.encode()):,} bytes")
        else:
            self.stdout.write(document, ending="")
