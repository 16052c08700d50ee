# Hand-written: Django has no operation for a partitioned table; the model's state does not change.
"""PostgreSQL: invoice lines LIST-partitioned by invoice, one partition per invoice. SQLite: nothing changes.

Why: after 0004 a first build still cost 2.4× the raw ``INSERT ... SELECT``, 2.0× of it the primary key's
B-tree maintained line by line (BENCHMARKS.md, "Billing one month"). A partition per invoice lets the
billing run fill a bare table and build its key afterwards, by one sort (``lines/postgresql.py``).

This migration only reshapes the table: the lines already billed move into one partition per invoice,
named as billing names them (``contributions_invoiceline_<invoice>``); ATTACH builds each partition's
primary key and index. The rules on the partitions and the functions billing calls are installed by
migration 0006 (this migration created an earlier version of them, which 0006 replaces).
"""

from typing import Any

from django.db import migrations

PARENT_INDEXES = """
ALTER TABLE contributions_invoiceline
  ADD CONSTRAINT contributions_invoiceline_pkey PRIMARY KEY (invoice_id, enrolment_id, month, kind);
CREATE INDEX invoiceline_adjustment_month ON contributions_invoiceline (month) WHERE kind = 'adjustment';
"""

POSTGRES_UP = f"""
ALTER TABLE contributions_invoiceline RENAME TO contributions_invoiceline_plain;
ALTER INDEX contributions_invoiceline_pkey RENAME TO contributions_invoiceline_plain_pkey;
ALTER INDEX invoiceline_adjustment_month RENAME TO invoiceline_plain_adjustment_month;
CREATE TABLE contributions_invoiceline (
  LIKE contributions_invoiceline_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS
) PARTITION BY LIST (invoice_id);
{PARENT_INDEXES}
DO $$
DECLARE
  r record;
  part text;
BEGIN
  FOR r IN SELECT DISTINCT invoice_id FROM contributions_invoiceline_plain ORDER BY invoice_id LOOP
    part := 'contributions_invoiceline_' || r.invoice_id;
    EXECUTE format(
      'CREATE TABLE %I (LIKE contributions_invoiceline INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
      ' CONSTRAINT %I CHECK (invoice_id = %s))', part, part || '_invoice', r.invoice_id);
    EXECUTE format('INSERT INTO %I SELECT * FROM contributions_invoiceline_plain WHERE invoice_id = %s',
      part, r.invoice_id);
    EXECUTE format('ALTER TABLE contributions_invoiceline ATTACH PARTITION %I FOR VALUES IN (%s)', part, r.invoice_id);
  END LOOP;
END $$;
DROP TABLE contributions_invoiceline_plain;
"""  # noqa: S608 - constants only

POSTGRES_DOWN = f"""
CREATE TABLE contributions_invoiceline_plain (
  LIKE contributions_invoiceline INCLUDING DEFAULTS INCLUDING CONSTRAINTS
);
INSERT INTO contributions_invoiceline_plain SELECT * FROM contributions_invoiceline;
DROP TABLE contributions_invoiceline;
ALTER TABLE contributions_invoiceline_plain RENAME TO contributions_invoiceline;
{PARENT_INDEXES}
"""  # noqa: S608 - constants only


def up(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: format() uses % placeholders of its own.
        schema_editor.execute(POSTGRES_UP, params=None)


def down(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0004_invoiceline_composite_key"),
    ]

    operations = [
        migrations.RunPython(up, down),
    ]
