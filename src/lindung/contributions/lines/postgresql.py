"""PostgreSQL, the production database: a partition of the lines per invoice, filled bare, keyed and attached.

What only PostgreSQL needs for speed lives here (BENCHMARKS.md, "Billing one month"): the lines are
LIST-partitioned by invoice, one partition per invoice (migration 0005), and a first build fills a bare
table, builds its primary key by one sort and attaches it, so no B-tree is maintained line by line. The
rules of the lines (``lines/__init__.py``) are checked once per statement, by one trigger function on two
kinds of table:

- on the parent, ``contributions_invoiceline`` (the ORM, the rebuild's diffing statement, the
  corrections, hand-written SQL), from the statement's transition tables; the totals move by their sums;
- on each invoice's own table (its partition; before ATTACH, the bare table billing fills), which
  PostgreSQL fires only for statements naming it: the table holds every line of its invoice, so it is
  read whole, in one scan, instead of collecting a transition table of a million lines; the totals
  become its sums.

The billing insert selects the enrolments it bills in the same statement and says so
(``enrolments_joined``); only then is the enrolment join skipped.

What DDL costs: ATTACH takes a SHARE UPDATE EXCLUSIVE lock on the parent (readers and writers of other
invoices' lines go on); dropping an existing partition (a draft rebuilt at a new price) takes ACCESS
EXCLUSIVE on the parent until the billing transaction commits. A line for an invoice that was never
built has no partition and is refused ("no partition of relation ... found for row").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lindung.contributions.models import LineKind
from lindung.contributions.sql import LINE_COLUMNS, covered_params, date_param, month_lines_insert, month_lines_params

if TYPE_CHECKING:
    from lindung.contributions.models import Invoice

TABLE = "contributions_invoiceline"
DATE = "CAST(%s AS DATE)"


def month_lines_fill(invoice: Invoice, month: dt.date, price: tuple[int, int, int]) -> None:
    """The draft's lines in a new partition of their own, filled bare, keyed by one sort, attached.

    ``contributions_line_partition_prepare`` refuses an invoice that is not a draft, drops the draft's
    old partition (its lines; the totals follow), and gives the new table its trigger before the insert,
    so the insert is checked and sets the totals. The primary key is built after the insert (a sort,
    instead of a B-tree descent per line), and ATTACH adopts it without a scan: the table's own check
    ``invoice_id = <invoice>`` implies the partition's bound.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_prepare(%s)", [invoice.pk])
        (table,) = cursor.fetchone()
    # The name is the database function's own (letters and the invoice's id): no quoting needed.
    with enrolments_joined() as cursor:
        cursor.execute(
            month_lines_insert(table, DATE), month_lines_params(invoice.pk, invoice.programme_id, month, price)
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT contributions_line_partition_attach(%s)", [invoice.pk])


_REFRESH = f"""
WITH diff AS MATERIALIZED (
    SELECT c.id AS new_id, c.worker_id, c.province_code, c.regency_code, l.enrolment_id AS old_id
    FROM (
        SELECT e.id, e.worker_id, e.province_code, e.regency_code FROM enrolments_enrolment e
        WHERE e.programme_id = %(programme)s AND e.status IN (%(active)s, %(ended)s)
            AND e.coverage_start <= %(last_day)s AND (e.coverage_end IS NULL OR e.coverage_end >= %(first_day)s)
    ) c
    FULL JOIN (
        SELECT enrolment_id, worker_id, province_code, regency_code FROM {TABLE}
        WHERE invoice_id = %(invoice)s AND kind = %(normal)s
    ) l ON l.enrolment_id = c.id
    WHERE c.id IS NULL OR l.enrolment_id IS NULL OR l.worker_id <> c.worker_id
        OR l.province_code <> c.province_code OR l.regency_code <> c.regency_code
), gone AS (
    DELETE FROM {TABLE} l USING diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id AND diff.new_id IS NULL
), moved AS (
    UPDATE {TABLE} l
    SET worker_id = diff.worker_id, province_code = diff.province_code, regency_code = diff.regency_code
    FROM diff
    WHERE l.invoice_id = %(invoice)s AND l.kind = %(normal)s AND l.enrolment_id = diff.old_id
        AND diff.new_id IS NOT NULL
)
INSERT INTO {TABLE} ({LINE_COLUMNS})
SELECT %(invoice)s, diff.new_id, diff.worker_id, diff.province_code, diff.regency_code, CAST(%(month)s AS DATE),
    %(normal)s, %(jkk)s, %(jkm)s, %(jht)s, %(amount)s, ''
FROM diff WHERE diff.old_id IS NULL
"""  # noqa: S608 - no user input in the SQL text


def month_lines_refresh(invoice: Invoice, month: dt.date) -> None:
    """One statement: a full join of the draft's lines with the covered enrolments finds the difference and
    applies it (delete the gone, copy what moved, insert the new)."""
    jkk, jkm, jht = invoice.unit_jkk, invoice.unit_jkm, invoice.unit_jht
    programme_id, active, ended, last_day, first_day = covered_params(invoice.programme_id, month)
    params = {
        "invoice": invoice.pk,
        "normal": str(LineKind.NORMAL),
        "month": date_param(month),
        "jkk": jkk,
        "jkm": jkm,
        "jht": jht,
        "amount": jkk + jkm + jht,
        "programme": programme_id,
        "active": active,
        "ended": ended,
        "last_day": last_day,
        "first_day": first_day,
    }
    # The inserted lines' enrolments come from the covered enrolments of the programme (c above).
    with enrolments_joined() as cursor:
        cursor.execute(_REFRESH, params)


@contextmanager
def enrolments_joined() -> Iterator[Any]:
    """A cursor for an insert of lines that selects their enrolments, in the programme, in the same statement.

    Tells the line trigger that every line's enrolment exists in the invoice's programme by construction,
    so it skips joining a million lines back to the enrolments. The setting is local to the transaction
    and switched off again at once, so no later statement inherits it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'on', true)")
        # No finally: after an error the transaction (or savepoint) is rolled back, and the setting with it.
        yield cursor
        cursor.execute("SELECT set_config('lindung.lines_from_enrolments', 'off', true)")


# --- the rules --------------------------------------------------------------------------------------

_FUNCTIONS = r"""
CREATE FUNCTION contributions_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  own_invoice bigint := CASE WHEN TG_NARGS > 0 THEN TG_ARGV[0]::bigint END;  -- on an invoice's own table
  written text;  -- the lines the statement wrote: the transition table, or the invoice's whole table
  changes text;  -- on the parent: each line written (+1) or removed (-1)
  invoice record;
  sums record;
  refused boolean;
BEGIN
  IF own_invoice IS NOT NULL THEN
    written := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME);
  ELSE
    IF TG_OP <> 'DELETE' THEN
      written := 'new_rows';
    END IF;
    changes := concat_ws(' UNION ALL ',
      CASE WHEN TG_OP <> 'DELETE' THEN 'SELECT invoice_id, kind, amount, 1 AS sign FROM new_rows' END,
      CASE WHEN TG_OP <> 'INSERT' THEN 'SELECT invoice_id, kind, amount, -1 AS sign FROM old_rows' END);
  END IF;

  -- Lines are written to, changed on and removed from drafts only. Each programme is locked first, as
  -- billing and the enrolment guard lock it, so an enrolment's deletion cannot pass a line's check.
  FOR invoice IN EXECUTE format(
    'SELECT t.id AS wanted, i.id, i.programme_id, i.status FROM (%s) t(id)'
    ' LEFT JOIN contributions_invoice i ON i.id = t.id ORDER BY t.id',
    coalesce('SELECT ' || own_invoice, format('SELECT DISTINCT invoice_id FROM (%s) c', changes)))
  LOOP
    IF invoice.id IS NULL THEN
      RAISE EXCEPTION 'invoice line: invoice % does not exist', invoice.wanted USING ERRCODE = '23503';
    END IF;
    PERFORM 1 FROM programmes_programme WHERE id = invoice.programme_id FOR KEY SHARE;
    IF invoice.status <> 'draft' THEN
      RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
    END IF;
  END LOOP;

  -- A month line carries its invoice's month; the totals are the sums of the lines.
  IF own_invoice IS NOT NULL THEN
    -- One scan of the invoice's table gives both.
    EXECUTE format(
      'SELECT count(*) FILTER (WHERE kind = ''normal'') AS normal_lines, coalesce(sum(amount), 0) AS amount,'
      ' coalesce(sum(amount) FILTER (WHERE kind <> ''normal''), 0) AS adjustments,'
      ' coalesce(bool_or(kind = ''normal'' AND month <> $1), false) AS month_off FROM %s', written)
      INTO sums USING (SELECT month FROM contributions_invoice WHERE id = own_invoice);
    IF sums.month_off THEN
      RAISE EXCEPTION 'invoice line: a month line is for its invoice''s month' USING ERRCODE = '23514';
    END IF;
    UPDATE contributions_invoice
    SET total = sums.amount, line_count = sums.normal_lines, adjustment_total = sums.adjustments
    WHERE id = own_invoice
      AND (total, line_count, adjustment_total) IS DISTINCT FROM (sums.amount, sums.normal_lines, sums.adjustments);
  ELSE
    IF written IS NOT NULL THEN
      EXECUTE format(
        'SELECT EXISTS (SELECT 1 FROM %s l JOIN contributions_invoice i ON i.id = l.invoice_id'
        ' WHERE l.kind = ''normal'' AND l.month <> i.month)', written) INTO refused;
      IF refused THEN
        RAISE EXCEPTION 'invoice line: a month line is for its invoice''s month' USING ERRCODE = '23514';
      END IF;
    END IF;
    EXECUTE format(
      'UPDATE contributions_invoice i SET total = i.total + d.amount, line_count = i.line_count + d.normal_lines,'
      ' adjustment_total = i.adjustment_total + d.adjustments'
      ' FROM (SELECT invoice_id, sum(sign * amount) AS amount,'
      '   coalesce(sum(sign) FILTER (WHERE kind = ''normal''), 0) AS normal_lines,'
      '   coalesce(sum(sign * amount) FILTER (WHERE kind <> ''normal''), 0) AS adjustments'
      '   FROM (%s) c GROUP BY invoice_id) d'
      ' WHERE i.id = d.invoice_id', changes);
  END IF;

  -- A line's enrolment is one of its invoice's programme, of the line's worker (unless the statement
  -- selected the enrolments it bills: enrolments_joined).
  IF written IS NOT NULL AND TG_OP <> 'DELETE'
     AND current_setting('lindung.lines_from_enrolments', true) IS DISTINCT FROM 'on' THEN
    EXECUTE format(
      'SELECT EXISTS (SELECT 1 FROM %s l JOIN contributions_invoice i ON i.id = l.invoice_id'
      ' WHERE NOT EXISTS (SELECT 1 FROM enrolments_enrolment e'
      '   WHERE e.id = l.enrolment_id AND e.programme_id = i.programme_id AND e.worker_id = l.worker_id))',
      written) INTO refused;
    IF refused THEN
      RAISE EXCEPTION 'invoice line: no such enrolment of that worker in the invoice''s programme'
        USING ERRCODE = '23503';
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- TRUNCATE removes lines past the row rules, as dropping the table would (the database owner's tool, and
-- Django's test flush): the totals follow, of every invoice or of the partition's.
CREATE FUNCTION contributions_lines_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE contributions_invoice SET total = 0, line_count = 0, adjustment_total = 0
  WHERE (TG_NARGS = 0 OR id = TG_ARGV[0]::bigint) AND (total, line_count, adjustment_total) <> (0, 0, 0);
  RETURN NULL;
END $$;

-- The totals change only with the lines (the line triggers run one level deeper); a new invoice has none.
CREATE FUNCTION contributions_invoice_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'INSERT' AND (NEW.total, NEW.line_count, NEW.adjustment_total) <> (0, 0, 0))
     OR (TG_OP = 'UPDATE' AND pg_trigger_depth() < 2
         AND (NEW.total, NEW.line_count, NEW.adjustment_total)
             IS DISTINCT FROM (OLD.total, OLD.line_count, OLD.adjustment_total)) THEN
    RAISE EXCEPTION 'an invoice''s totals are the sums of its lines and change only with them'
      USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;

-- What the foreign keys did on the referenced side: no deletion or re-keying under existing lines.
CREATE FUNCTION contributions_invoices_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_rows o JOIN contributions_invoiceline l ON l.invoice_id = o.id) THEN
    RAISE EXCEPTION 'an invoice that has lines cannot be deleted' USING ERRCODE = '23503';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION contributions_invoice_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM contributions_invoiceline WHERE invoice_id = OLD.id) THEN
    RAISE EXCEPTION 'an invoice that has lines keeps its id, programme and month' USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END $$;

-- An enrolment's lines are found through its programme's invoices (the primary key's prefix). The
-- programme is locked as billing locks it: a deletion and a billing run cannot pass each other.
CREATE FUNCTION contributions_enrolments_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM programmes_programme WHERE id IN (SELECT programme_id FROM old_rows) ORDER BY id FOR UPDATE;
  IF EXISTS (
    SELECT 1 FROM old_rows o JOIN contributions_invoice i ON i.programme_id = o.programme_id
    JOIN contributions_invoiceline l ON l.invoice_id = i.id AND l.enrolment_id = o.id
  ) THEN
    RAISE EXCEPTION 'an enrolment that has invoice lines cannot be deleted' USING ERRCODE = '23503';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION contributions_enrolment_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM programmes_programme WHERE id = OLD.programme_id FOR UPDATE;
  IF EXISTS (
    SELECT 1 FROM contributions_invoice i JOIN contributions_invoiceline l ON l.invoice_id = i.id
    WHERE i.programme_id = OLD.programme_id AND l.enrolment_id = OLD.id
  ) THEN
    RAISE EXCEPTION 'an enrolment that has invoice lines keeps its id and programme' USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END $$;

-- An invoice's own table gets the line triggers, with the invoice as their argument.
CREATE FUNCTION contributions_line_partition_guard(invoice bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
BEGIN
  EXECUTE format(
    'CREATE TRIGGER contributions_lines_changed AFTER INSERT OR UPDATE OR DELETE ON %I'
    ' FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_changed(%s)', part, invoice);
  EXECUTE format(
    'CREATE TRIGGER contributions_lines_truncated AFTER TRUNCATE ON %I'
    ' FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_truncated(%s)', part, invoice);
END $$;

-- A draft's lines made afresh in a bare table (month_lines_fill): the parent's columns, NOT NULLs and
-- checks, the table's own check invoice_id = <invoice>, the corrections' partial index (empty, so the
-- insert only evaluates its condition) and the line triggers; no primary key yet.
CREATE FUNCTION contributions_line_partition_prepare(invoice bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
  invoice_status text;
BEGIN
  SELECT status INTO invoice_status FROM contributions_invoice WHERE id = invoice FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'invoice line: invoice % does not exist', invoice USING ERRCODE = '23503';
  END IF;
  IF invoice_status <> 'draft' THEN
    RAISE EXCEPTION 'the lines of an issued invoice cannot change' USING ERRCODE = '23000';
  END IF;
  IF to_regclass(part) IS NOT NULL THEN
    EXECUTE format('DROP TABLE %I', part);
  END IF;
  EXECUTE format(
    'CREATE TABLE %I (LIKE contributions_invoiceline INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
    ' CONSTRAINT %I CHECK (invoice_id = %s))', part, part || '_invoice', invoice);
  EXECUTE format('CREATE INDEX %I ON %I (month) WHERE kind = ''adjustment''', part || '_adjustment_month', part);
  PERFORM contributions_line_partition_guard(invoice);
  -- An empty statement on the new table: its trigger sets the totals to its sums (zero).
  EXECUTE format('DELETE FROM %I', part);
  RETURN part;
END $$;

-- The key by one sort, then ATTACH (no scan: the table's check implies its bound).
CREATE FUNCTION contributions_line_partition_attach(invoice bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  part text := 'contributions_invoiceline_' || invoice;
BEGIN
  EXECUTE format(
    'ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (invoice_id, enrolment_id, month, kind)', part, part || '_pkey');
  EXECUTE format('ALTER TABLE contributions_invoiceline ATTACH PARTITION %I FOR VALUES IN (%s)', part, invoice);
END $$;
"""

_TRIGGERS = """
CREATE TRIGGER contributions_lines_inserted AFTER INSERT ON contributions_invoiceline
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_changed();
CREATE TRIGGER contributions_lines_updated AFTER UPDATE ON contributions_invoiceline
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION contributions_lines_changed();
CREATE TRIGGER contributions_lines_deleted AFTER DELETE ON contributions_invoiceline
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_changed();
CREATE TRIGGER contributions_lines_truncated AFTER TRUNCATE ON contributions_invoiceline
  FOR EACH STATEMENT EXECUTE FUNCTION contributions_lines_truncated();
CREATE TRIGGER contributions_invoice_totals BEFORE INSERT OR UPDATE OF total, line_count, adjustment_total
  ON contributions_invoice FOR EACH ROW EXECUTE FUNCTION contributions_invoice_totals();
CREATE TRIGGER contributions_invoices_removed AFTER DELETE ON contributions_invoice
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_invoices_removed();
CREATE TRIGGER contributions_invoice_rekeyed BEFORE UPDATE OF id, programme_id, month ON contributions_invoice
  FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.programme_id <> NEW.programme_id OR OLD.month <> NEW.month)
  EXECUTE FUNCTION contributions_invoice_rekeyed();
CREATE TRIGGER contributions_enrolments_removed AFTER DELETE ON enrolments_enrolment
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contributions_enrolments_removed();
CREATE TRIGGER contributions_enrolment_rekeyed BEFORE UPDATE OF id, programme_id ON enrolments_enrolment
  FOR EACH ROW WHEN (OLD.id <> NEW.id OR OLD.programme_id <> NEW.programme_id)
  EXECUTE FUNCTION contributions_enrolment_rekeyed();
-- The partitions that exist (lines billed before this was installed) get theirs.
SELECT contributions_line_partition_guard(substring(c.relname FROM '_([0-9]+)$')::bigint)
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
WHERE h.inhparent = 'contributions_invoiceline'::regclass;
"""

# trigger name -> its table; each partition has contributions_lines_changed and _truncated of its own.
TRIGGERS = {
    "contributions_lines_inserted": "contributions_invoiceline",
    "contributions_lines_updated": "contributions_invoiceline",
    "contributions_lines_deleted": "contributions_invoiceline",
    "contributions_lines_truncated": "contributions_invoiceline",
    "contributions_invoice_totals": "contributions_invoice",
    "contributions_invoices_removed": "contributions_invoice",
    "contributions_invoice_rekeyed": "contributions_invoice",
    "contributions_enrolments_removed": "enrolments_enrolment",
    "contributions_enrolment_rekeyed": "enrolments_enrolment",
}

# Every function, those of earlier migrations (0002, 0004, 0005) included; dropping one drops its triggers.
_DROP = """
DROP FUNCTION IF EXISTS contributions_lines_changed() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_truncated() CASCADE;
DROP FUNCTION IF EXISTS contributions_invoice_totals() CASCADE;
DROP FUNCTION IF EXISTS contributions_invoices_removed() CASCADE;
DROP FUNCTION IF EXISTS contributions_invoice_rekeyed() CASCADE;
DROP FUNCTION IF EXISTS contributions_enrolments_removed() CASCADE;
DROP FUNCTION IF EXISTS contributions_enrolment_rekeyed() CASCADE;
DROP FUNCTION IF EXISTS contributions_line_partition_guard(bigint) CASCADE;
DROP FUNCTION IF EXISTS contributions_line_partition_prepare(bigint) CASCADE;
DROP FUNCTION IF EXISTS contributions_line_partition_attach(bigint) CASCADE;
DROP FUNCTION IF EXISTS contributions_line_partition_create(bigint) CASCADE;
DROP FUNCTION IF EXISTS contributions_partition_changed() CASCADE;
DROP FUNCTION IF EXISTS contributions_partition_truncated() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_inserted() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_updated() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_deleted() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_frozen_insert() CASCADE;
DROP FUNCTION IF EXISTS contributions_lines_frozen_update() CASCADE;
"""

_TOTALS_FROM_LINES = """
UPDATE contributions_invoice i
SET total = coalesce(s.amount, 0), line_count = coalesce(s.normal_lines, 0),
  adjustment_total = coalesce(s.adjustments, 0)
FROM contributions_invoice a LEFT JOIN (
  SELECT invoice_id, sum(amount) AS amount, count(*) FILTER (WHERE kind = 'normal') AS normal_lines,
    sum(amount) FILTER (WHERE kind <> 'normal') AS adjustments
  FROM contributions_invoiceline GROUP BY invoice_id
) s ON s.invoice_id = a.id
WHERE i.id = a.id AND (i.total, i.line_count, i.adjustment_total)
  IS DISTINCT FROM (coalesce(s.amount, 0), coalesce(s.normal_lines, 0), coalesce(s.adjustments, 0));
"""


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    # No parameters: the functions' format() and RAISE use % placeholders of their own.
    schema_editor.execute(_DROP, params=None)


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """(Re)create every rule; the totals are first set to the sums of the lines, which the rules then keep.

    Idempotent: a migration calls it whenever this module changes.
    """
    uninstall(schema_editor)
    schema_editor.execute(_TOTALS_FROM_LINES, params=None)
    schema_editor.execute(_FUNCTIONS, params=None)
    schema_editor.execute(_TRIGGERS, params=None)


def rules_missing(using: BaseDatabaseWrapper = connection) -> list[str]:
    """The triggers of the rules that the database lacks (none after ``install``), each partition's included."""
    with using.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
        )
        present = set(cursor.fetchall())
        cursor.execute(
            "SELECT c.relname FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid"
            " WHERE h.inhparent = 'contributions_invoiceline'::regclass"
        )
        partitions = [part for (part,) in cursor.fetchall()]
    own = ("contributions_lines_changed", "contributions_lines_truncated")
    wanted = [*TRIGGERS.items(), *((name, part) for part in partitions for name in own)]
    return [f"{name} on {table}" for name, table in wanted if (name, table) not in present]


def lines_truncate(using: BaseDatabaseWrapper = connection) -> None:
    """TRUNCATE: every line of every invoice removed past the row rules, the totals zero (as Django's flush)."""
    with using.cursor() as cursor:
        cursor.execute("TRUNCATE contributions_invoiceline")
