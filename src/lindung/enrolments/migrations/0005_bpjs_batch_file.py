"""A BPJS batch keeps its file, its checksum and its sender's region (issue 16, item 3).

The batches sent before have no file (it was streamed and not kept) and get the narrowest region holding all
their enrolments: their regency, or their province when they span several regencies, so that the region-scoped
list of batches shows them to the staff who could see their enrolments. ``bpjs_batch`` is a small table (a
batch per send), rebuilt by SQLite for the constraint; no trigger reads it.
"""

from django.db import migrations, models
from django.db.models import Max, Min


def regions_stamp(apps, schema_editor):
    Enrolment = apps.get_model("enrolments", "Enrolment")
    BpjsBatch = apps.get_model("enrolments", "BpjsBatch")
    spans = (
        Enrolment.objects.filter(batch__isnull=False)
        .values("batch_id")
        .annotate(
            first_regency=Min("regency_code"),
            last_regency=Max("regency_code"),
            first_province=Min("province_code"),
            last_province=Max("province_code"),
        )
        .order_by()
    )
    for span in spans:
        if span["first_regency"] == span["last_regency"]:
            code = span["first_regency"]
        elif span["first_province"] == span["last_province"]:
            code = span["first_province"]
        else:
            continue
        BpjsBatch.objects.filter(pk=span["batch_id"]).update(region_code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("enrolments", "0004_enrolment_activated_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="bpjsbatch",
            name="file",
            field=models.FileField(blank=True, upload_to="bpjs/", verbose_name="batch file"),
        ),
        migrations.AddField(
            model_name="bpjsbatch",
            name="region_code",
            field=models.CharField(blank=True, max_length=13, verbose_name="region"),
        ),
        migrations.AddField(
            model_name="bpjsbatch",
            name="sha256",
            field=models.CharField(blank=True, max_length=64, verbose_name="SHA-256 of the file"),
        ),
        migrations.AddConstraint(
            model_name="bpjsbatch",
            constraint=models.CheckConstraint(
                condition=models.Q(("file", ""), ("sha256__regex", "^[0-9a-f]{64}$"), _connector="OR"),
                name="bpjs_batch_file_sum",
            ),
        ),
        migrations.RunPython(regions_stamp, migrations.RunPython.noop, elidable=True),
    ]
