"""Indexes of the worker list: by registration date, and a trigram index for name search on PostgreSQL.

Django writes ``name__icontains`` on PostgreSQL as ``UPPER("workers_worker"."name"::text) LIKE UPPER(%s)``;
the GIN index covers exactly that expression so that a "contains" search does not scan a million rows.
SQLite has no pg_trgm: there the operation does nothing.
"""

from django.db import migrations, models

_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS worker_name_upper_trgm ON workers_worker USING gin ((UPPER(name::text)) gin_trgm_ops)",
]
# The extension stays: other tables may use it, and dropping it needs more rights than creating the index.
_DROP = ["DROP INDEX IF EXISTS worker_name_upper_trgm"]


def _run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0002_seed_occupation_categories"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(fields=["regency_code", "created_at"], name="worker_regency_created"),
        ),
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(fields=["province_code", "created_at"], name="worker_province_created"),
        ),
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(fields=["occupation", "name"], name="worker_occupation_name"),
        ),
        migrations.RunPython(_run_on_postgresql(_CREATE), _run_on_postgresql(_DROP), elidable=False),
    ]
