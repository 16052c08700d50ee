"""The day an enrolment was activated (issue 14): nullable, no default, no backfill.

On PostgreSQL ``ADD COLUMN`` of a nullable column without a default changes the catalogue only, whatever the
table's size; SQLite adds the column in place (no table rebuild, which the line triggers reading
``enrolments_enrolment`` would not survive). Enrolments activated before it keep NULL: no postponement.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0003_no_separate_key_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrolment",
            name="activated_on",
            field=models.DateField(blank=True, null=True, verbose_name="activated on"),
        ),
    ]
