"""An index on the last six digits of a NIK (``NikTail``: ``SUBSTR(nik, 11, 6)``), which the worker list shows
and searches by (issue 16). ``CREATE INDEX`` blocks writes to the table while it builds, not reads."""

from django.db import migrations, models

import lindung.workers.models


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0005_fewer_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="worker",
            index=models.Index(lindung.workers.models.NikTail("nik"), name="worker_nik_tail"),
        ),
    ]
