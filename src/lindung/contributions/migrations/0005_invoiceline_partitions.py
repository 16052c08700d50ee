# Hand-written: Django has no operation for a partitioned table; the model's state does not change.
"""PostgreSQL: invoice lines LIST-partitioned by invoice, one partition per invoice. SQLite: nothing changes.

Why: after 0004 a first build still cost 2.4× the raw ``INSERT ... SELECT``, 2.0× of it the primary key's
B-tree maintained line by line (BENCHMARKS.md, "Billing one month"). A partition per invoice lets the
billing run fill a bare table and build its key afterwards, by one sort:

1. ``contributions_line_partition_prepare(invoice)``: the invoice must exist and be a draft (locked);
   its partition, if any, is dropped (a rebuild of a draft from scratch); a new table ``LIKE`` the
   lines with the partition's own check ``invoice_id = <invoice>`` (so ATTACH need not scan it), the
   corrections' partial index (empty, so the insert only evaluates its condition) and the partition's
   guards (below), no primary key; the invoice's totals follow (to zero).
2. The billing service inserts the month lines into that table.
3. ``contributions_line_partition_attach(invoice)``: the primary key, built by sorting, then ATTACH,
   which adopts the key and the partial index and trusts the check (no scan).

Guards. PostgreSQL fires a statement trigger only on the table a statement names: the parent keeps the
transition-table triggers of 0004 (statements on ``contributions_invoiceline``: the services'
corrections and rebuilds, hand-written SQL, the ORM); each partition has its own statement triggers
for statements that name it (the billing insert; hand-written SQL). They check the same promises
(the invoice exists and is a draft, a month line carries its month, the enrolment exists in the
invoice's programme with the line's worker, unless the billing insert says it selected them) and set
the invoice's totals to the sums of the partition, which holds all of the invoice's lines. Row-level
work stays nil: the partition trigger reads the partition once per statement.

What DDL costs: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the parent (readers and writers of
other invoices' lines go on); dropping an existing partition (a draft rebuilt at a new price, or whose
lines were all removed) takes ACCESS EXCLUSIVE on the parent until the billing transaction commits.
A line for an invoice that has no partition yet (never built) is refused: "no partition".
"""

from typing import Any

from django.db import migrations

# The triggers of 0004 on the lines' table; recreated on the partitioned parent (their functions stay).
PARENT_TRIGGERS = """
CREATE TRIGGER contributions_lines_inserted AFTER INSERT ON contributions_invoiceline
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_inserted();
CREATE TRIGGER contributions_lines_updated AFTER UPDATE ON contributions_invoiceline
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION contributions_lines_updated();
CREATE TRIGGER contributions_lines_deleted AFTER DELETE ON contributions_invoiceline
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_deleted();
CREATE TRIGGER contributions_lines_truncated AFTER TRUNCATE ON contributions_invoiceline
  FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_truncated();
"""

PARENT_INDEXES = """
ALTER TABLE contributions_invoiceline
  ADD CONSTRAINT contributions_invoiceline_pkey PRIMARY KEY (invoice_id, enrolment_id, month, kind);
CREATE INDEX invoiceline_adjustment_month ON contributions_invoiceline (month) WHERE kind = 'adjustment';
"""

FUNCTIONS = r"""
-- A statement on one partition: its invoice (the trigger's argument) must be a draft; the totals become
-- the partition's sums; month lines carry the month; enrolments exist unless the billing insert selected them.
CREATE FUNCTION contributions_partition_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  invoice bigint := TG_ARGV[0]::bigint;
  inv record;
  s record;
  orphan boolean;
BEGIN
  SELECT programme_id, status, month INTO inv FROM contributions_invoice WHERE id = invoice;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invoice line: invoice % does not exist', invoice USING ERRCODE = '23503';
  END IF;
  -- The programme first, as billing locks it: an enrolment deletion (which locks it too) waits for us.
  PERFORM 1 FROM programmes_programme WHERE id = inv.programme_id FOR KEY SHARE;
  IF inv.status <> 'draft' THEN
    RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
  END IF;
  EXECUTE format(
    'SELECT count(*) FILTER (WHERE kind = ''normal'') AS normal_lines, coalesce(sum(amount), 0) AS amount,'
    ' coalesce(sum(amount) FILTER (WHERE kind <> ''normal''), 0) AS adjustments,'
    ' bool_and(month = $1) FILTER (WHERE kind = ''normal'') AS months_ok FROM %I.%I',
    TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO s USING inv.month;
  IF s.months_ok IS FALSE THEN
    RAISE EXCEPTION 'invoice line: a month line is for its invoice''s month' USING ERRCODE = '23514';
  END IF;
  UPDATE contributions_invoice SET total = s.amount, line_count = s.normal_lines, adjustment_total = s.adjustments
  WHERE id = invoice
    AND (total, line_count, adjustment_total) IS DISTINCT FROM (s.amount, s.normal_lines, s.adjustments);
  IF TG_OP <> 'DELETE' AND current_setting('lindung.lines_from_enrolments', true) IS DISTINCT FROM 'on' THEN
    EXECUTE format(
      'SELECT EXISTS (SELECT 1 FROM %I.%I l WHERE NOT EXISTS (SELECT 1 FROM enrolments_enrolment e'
      ' WHERE e.id = l.enrolment_id AND e.programme_id = $1 AND e.worker_id = l.worker_id))',
      TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO orphan USING inv.programme_id;
    IF orphan THEN
      RAISE EXCEPTION 'invoice line: no such enrolment of that worker in the invoice''s programme'
        USING ERRCODE = '23503';
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION contributions_partition_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contributions_invoice SET total = 0, line_count = 0, adjustment_total = 0
  WHERE id = TG_ARGV[0]::bigint AND (total <> 0 OR line_count <> 0 OR adjustment_total <> 0);
  RETURN NULL;
END $$;

-- The bare partition table of an invoice: columns, NOT NULLs and checks of the parent, the partition's
-- own check, the corrections' partial index; no primary key, no guard (see _guard).
CREATE FUNCTION contributions_line_partition_create(invoice bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
BEGIN
  EXECUTE format(
    'CREATE TABLE %I (LIKE contributions_invoiceline INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
    ' CONSTRAINT %I CHECK (invoice_id = %s))', part, part || '_invoice', invoice);
  EXECUTE format('CREATE INDEX %I ON %I (month) WHERE kind = ''adjustment''', part || '_adjustment_month', part);
  RETURN part;
END $$;

CREATE FUNCTION contributions_line_partition_guard(invoice bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
BEGIN
  EXECUTE format(
    'CREATE TRIGGER contributions_partition_changed AFTER INSERT OR UPDATE OR DELETE ON %I'
    ' FOR EACH STATEMENT EXECUTE FUNCTION contributions_partition_changed(%s)', part, invoice);
  EXECUTE format(
    'CREATE TRIGGER contributions_partition_truncated AFTER TRUNCATE ON %I'
    ' FOR EACH STATEMENT EXECUTE FUNCTION contributions_partition_truncated(%s)', part, invoice);
END $$;

-- Start a draft's lines afresh in a bare table (step 1 of the docstring).
CREATE FUNCTION contributions_line_partition_prepare(invoice bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
  inv_status text;
BEGIN
  SELECT status INTO inv_status FROM contributions_invoice WHERE id = invoice FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invoice line: invoice % does not exist', invoice USING ERRCODE = '23503';
  END IF;
  IF inv_status <> 'draft' THEN
    RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
  END IF;
  IF to_regclass(part) IS NOT NULL THEN
    EXECUTE format('DROP TABLE %I', part);
  END IF;
  PERFORM contributions_line_partition_create(invoice);
  PERFORM contributions_line_partition_guard(invoice);
  -- An empty statement on the new partition: its trigger sets the totals to its sums (zero).
  EXECUTE format('DELETE FROM %I', part);
  RETURN part;
END $$;

-- Step 3: the key by one sort, then ATTACH (no scan: the partition's check implies its bound).
CREATE FUNCTION contributions_line_partition_attach(invoice bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
BEGIN
  EXECUTE format(
    'ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (invoice_id, enrolment_id, month, kind)', part, part || '_pkey');
  EXECUTE format('ALTER TABLE contributions_invoiceline ATTACH PARTITION %I FOR VALUES IN (%s)', part, invoice);
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS contributions_line_partition_attach(bigint);
DROP FUNCTION IF EXISTS contributions_line_partition_prepare(bigint);
DROP FUNCTION IF EXISTS contributions_line_partition_guard(bigint);
DROP FUNCTION IF EXISTS contributions_line_partition_create(bigint);
DROP FUNCTION IF EXISTS contributions_partition_truncated();
DROP FUNCTION IF EXISTS contributions_partition_changed();
"""

POSTGRES_UP = f"""
ALTER TABLE contributions_invoiceline RENAME TO contributions_invoiceline_plain;
ALTER INDEX contributions_invoiceline_pkey RENAME TO contributions_invoiceline_plain_pkey;
ALTER INDEX invoiceline_adjustment_month RENAME TO invoiceline_plain_adjustment_month;
CREATE TABLE contributions_invoiceline (
  LIKE contributions_invoiceline_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS
) PARTITION BY LIST (invoice_id);
{PARENT_INDEXES}
{FUNCTIONS}
-- Existing lines, one partition per invoice, copied before any guard exists (issued invoices' too).
DO $$
DECLARE
  r record;
  part text;
BEGIN
  FOR r IN SELECT DISTINCT invoice_id FROM contributions_invoiceline_plain ORDER BY invoice_id LOOP
    part := contributions_line_partition_create(r.invoice_id);
    EXECUTE format('INSERT INTO %I SELECT * FROM contributions_invoiceline_plain WHERE invoice_id = %s',
      part, r.invoice_id);
    PERFORM contributions_line_partition_attach(r.invoice_id);
    PERFORM contributions_line_partition_guard(r.invoice_id);
  END LOOP;
END $$;
DROP TABLE contributions_invoiceline_plain;
{PARENT_TRIGGERS}
"""  # noqa: S608 - constants only

POSTGRES_DOWN = f"""
CREATE TABLE contributions_invoiceline_plain (
  LIKE contributions_invoiceline INCLUDING DEFAULTS INCLUDING CONSTRAINTS
);
INSERT INTO contributions_invoiceline_plain SELECT * FROM contributions_invoiceline;
DROP TABLE contributions_invoiceline;
ALTER TABLE contributions_invoiceline_plain RENAME TO contributions_invoiceline;
{PARENT_INDEXES}
{PARENT_TRIGGERS}
{DROP_FUNCTIONS}
"""  # noqa: S608 - constants only


def up(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the functions' format() and RAISE use % placeholders of their own.
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
