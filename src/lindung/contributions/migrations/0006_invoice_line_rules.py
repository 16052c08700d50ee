# Hand-written: the rules are triggers, which Django's migrations do not describe; the state does not change.
"""The rules of the invoice lines, on both databases, from ``lindung/contributions/lines/`` (decision 0007).

Replaces the triggers and functions that 0002, 0004 and 0005 created (they differed by database: SQLite
had no guard against deleting an issued invoice's lines, nor against writing an invoice's totals). The
invoices' totals are first set to the sums of their lines. Going back removes the rules; a later
migration that changes them calls ``install`` again.
"""

from typing import Any

from django.db import migrations

from lindung.contributions.lines import line_statements


def install(apps: Any, schema_editor: Any) -> None:
    line_statements(schema_editor.connection).install(schema_editor)


def uninstall(apps: Any, schema_editor: Any) -> None:
    line_statements(schema_editor.connection).uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0005_invoiceline_partitions"),
        ("enrolments", "0003_no_separate_key_indexes"),
        ("programmes", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
