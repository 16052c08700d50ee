"""Database guard: no line may be added to, changed on or moved off an invoice that is no longer a draft.

The services already refuse; the trigger keeps the promise "an issued invoice never changes" against
any other writer (a shell, a script, a later bug). PostgreSQL checks once per statement through the
transition tables, so the set-based billing insert pays one join, not a function call per row.
Deleting is not guarded here: the services only delete a draft's lines, and SQLite's test flush
deletes rows.
"""

from typing import Any

from django.db import migrations

POSTGRES_UP = """
CREATE FUNCTION contributions_lines_frozen_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows n JOIN contributions_invoice i ON i.id = n.invoice_id WHERE i.status <> 'draft') THEN
    RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION contributions_lines_frozen_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM (SELECT invoice_id FROM old_rows UNION SELECT invoice_id FROM new_rows) r
    JOIN contributions_invoice i ON i.id = r.invoice_id WHERE i.status <> 'draft'
  ) THEN
    RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contributions_lines_frozen_insert AFTER INSERT ON contributions_invoiceline
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_frozen_insert();
CREATE TRIGGER contributions_lines_frozen_update AFTER UPDATE ON contributions_invoiceline
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION contributions_lines_frozen_update();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS contributions_lines_frozen_update ON contributions_invoiceline;
DROP TRIGGER IF EXISTS contributions_lines_frozen_insert ON contributions_invoiceline;
DROP FUNCTION IF EXISTS contributions_lines_frozen_update();
DROP FUNCTION IF EXISTS contributions_lines_frozen_insert();
"""

SQLITE_UP = [
    """CREATE TRIGGER contributions_lines_frozen_insert BEFORE INSERT ON contributions_invoiceline
    WHEN (SELECT status FROM contributions_invoice WHERE id = NEW.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'the lines of an issued invoice cannot change'); END""",
    """CREATE TRIGGER contributions_lines_frozen_update BEFORE UPDATE ON contributions_invoiceline
    WHEN (SELECT status FROM contributions_invoice WHERE id = OLD.invoice_id) <> 'draft'
      OR (SELECT status FROM contributions_invoice WHERE id = NEW.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'the lines of an issued invoice cannot change'); END""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS contributions_lines_frozen_insert",
    "DROP TRIGGER IF EXISTS contributions_lines_frozen_update",
]


def _run(schema_editor: Any, postgres: str, sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgres)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement)


def up(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, POSTGRES_UP, SQLITE_UP)


def down(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, POSTGRES_DOWN, SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]

    operations = [migrations.RunPython(up, down)]
