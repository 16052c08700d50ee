"""Months due and never billed (issue 14): two derived columns of the coverage status and their summary table.

``CoverageStatus`` is rebuilt by every run of the nightly coverage job, so its existing rows get 0 and are
replaced at the next run; on PostgreSQL the constant default adds the columns without rewriting the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0006_invoice_line_rules"),
        ("enrolments", "0004_enrolment_activated_on"),
        ("programmes", "0001_initial"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="NeverBilledMonth",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("province_code", models.CharField(editable=False, max_length=2, verbose_name="province")),
                ("regency_code", models.CharField(editable=False, max_length=5, verbose_name="regency/city")),
                ("district_code", models.CharField(max_length=8, verbose_name="district")),
                ("month", models.DateField(verbose_name="month")),
                ("workers", models.PositiveIntegerField(verbose_name="workers")),
            ],
            options={
                "verbose_name": "month never billed",
                "verbose_name_plural": "months never billed",
            },
        ),
        migrations.AddField(
            model_name="coveragestatus",
            name="months_never_billed",
            field=models.PositiveIntegerField(default=0, verbose_name="months due and never billed"),
        ),
        migrations.AddField(
            model_name="coveragestatus",
            name="never_billed_mask",
            field=models.BigIntegerField(default=0, verbose_name="months due and never billed (bits)"),
        ),
        migrations.AddConstraint(
            model_name="coveragestatus",
            constraint=models.CheckConstraint(
                condition=models.Q(("months_never_billed__lte", models.F("months_in_arrears"))),
                name="coverage_never_billed_le_arrears",
            ),
        ),
        migrations.AddField(
            model_name="neverbilledmonth",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="programmes.programme",
                verbose_name="programme",
            ),
        ),
        migrations.AddField(
            model_name="neverbilledmonth",
            name="village",
            field=models.ForeignKey(
                db_column="village_code",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="regions.region",
                verbose_name="village",
            ),
        ),
        migrations.AddIndex(
            model_name="neverbilledmonth",
            index=models.Index(fields=["programme", "regency_code"], name="never_billed_programme_regency"),
        ),
        migrations.AddConstraint(
            model_name="neverbilledmonth",
            constraint=models.UniqueConstraint(
                fields=("programme", "village", "month"), name="never_billed_one_per_programme_village_month"
            ),
        ),
        migrations.AddConstraint(
            model_name="neverbilledmonth",
            constraint=models.CheckConstraint(condition=models.Q(("workers__gt", 0)), name="never_billed_has_workers"),
        ),
    ]
