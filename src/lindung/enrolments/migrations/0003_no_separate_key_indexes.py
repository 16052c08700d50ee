"""The enrolment's worker and programme keys lose their own indexes: other indexes start with them.

Only the indexes are dropped (``DROP INDEX``): an ``AlterField`` would make SQLite rebuild the table, which
the contribution triggers that read ``enrolments_enrolment`` do not survive.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for the keys' indexes (the same on SQLite and PostgreSQL).
INDEXES = {
    "enrolments_enrolment_programme_id_9641c7ad": "programme_id",
    "enrolments_enrolment_worker_id_5f44a24e": "worker_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0002_bpjs_batch"),
        ("programmes", "0001_initial"),
        ("workers", "0004_heir_share_heir_heir_share_percent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="enrolment",
                    name="programme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolments",
                        to="programmes.programme",
                        verbose_name="programme",
                    ),
                ),
                migrations.AlterField(
                    model_name="enrolment",
                    name="worker",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolments",
                        to="workers.worker",
                        verbose_name="worker",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX {name} ON enrolments_enrolment ({column})",
                )
                for name, column in INDEXES.items()
            ],
        ),
    ]
