"""On PostgreSQL, the database itself refuses to change or delete an audit entry.

The model already refuses ``save`` of an existing entry and ``delete``; this guard also stops a raw
``UPDATE``/``DELETE`` (a shell, a bulk ``QuerySet.update``/``delete``, a bug). It is a row-level
trigger, which TRUNCATE does not fire: test flushes, and a deliberate purge by the database owner,
still work. SQLite gets no trigger, because Django's test flush there deletes rows one table at a time.
"""

from django.db import migrations

FUNCTION = "audit_auditentry_append_only"
TRIGGER = "audit_auditentry_append_only"

CREATE = [
    f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % of audit_auditentry refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
""",
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_auditentry FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditentry",
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            # No parameters: the "%" in RAISE's format must reach PostgreSQL as written.
            schema_editor.execute(statement, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
