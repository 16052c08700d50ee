"""The committed OpenAPI document (``docs/api/openapi.json``) is the one the code generates, and it is the one
``/api/v1/openapi.json`` serves."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from django.test import Client

COMMITTED = Path(__file__).resolve().parents[4] / "docs" / "api" / "openapi.json"


def _generated() -> str:
    from importlib import import_module

    return import_module("lindung.api.management.commands.api-schema").openapi_document()


def test_the_committed_document_is_current() -> None:
    generated = _generated()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "docs/api/openapi.json (committed)",
                    "generated",
                )
            )[:80]
        )
        pytest.fail(
            "docs/api/openapi.json differs from the document the code generates. Regenerate it with "
            "`make openapi` (lindung api-schema --out docs/api/openapi.json) and commit it.\n" + diff
        )


@pytest.mark.django_db
def test_the_served_document_is_the_generated_one() -> None:
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(_generated())
    assert served.json()["openapi"].startswith("3.1")


def test_no_two_schemas_of_the_api_share_a_name():
    """The document names each schema by its class: two classes of one name would share one entry, and the
    answers of one route would be documented (and checked) with the other's shape."""
    import ast

    import lindung.api

    names: dict[str, list[str]] = {}
    for path in Path(lindung.api.__file__).parent.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(getattr(base, "id", "") == "Schema" for base in node.bases):
                names.setdefault(node.name, []).append(str(path.name))
    assert {name: files for name, files in names.items() if len(files) > 1} == {}


@pytest.mark.django_db
def test_the_readable_reference_lists_every_operation_of_the_document():
    document = json.loads(_generated())
    page = Client().get("/api/v1/", headers={"Accept-Language": "id"})
    assert page.status_code == 200
    text = page.content.decode()
    operations = [(method.upper(), path) for path, item in document["paths"].items() for method in item]
    assert len(operations) > 30
    for method, path in operations:
        assert f"<code>{method} {path}</code>" in text, (method, path)
    docs = Client().get("/api/v1/docs", headers={"Accept-Language": "id"}).content.decode()
    assert docs.count('data-testid="api-operation"') == text.count('data-testid="api-operation"') == len(operations)
