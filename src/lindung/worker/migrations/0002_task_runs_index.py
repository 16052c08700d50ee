"""An index on django-tasks-db's table for the last runs of each task (``lindung.server.metrics.database``): the
newest finished row of one task and status is one lookup, however many runs the table keeps (it is never
pruned). The table is the library's, so the index is plain SQL that both databases read alike; the library's
own migrations never touch it."""

from django.db import migrations

INDEX = "lindung_task_runs_idx"
TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):
    dependencies = [
        ("worker", "0001_worker_heartbeat"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (task_path, status, finished_at)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
