"""Seed the default occupation categories (see lindung.workers.categories)."""

from django.db import migrations

from lindung.workers.categories import seed_categories


def seed(apps, schema_editor):
    seed_categories(apps.get_model("workers", "OccupationCategory"))


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
