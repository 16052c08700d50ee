"""The occupation categories every installation starts with; admins may add more."""

from django.db import migrations

CATEGORIES = [
    ("KEAGAMAAN", "Pekerja keagamaan", "Marbot, pengurus rumah ibadah, pekerja gereja"),
    ("RT_RW", "Ketua RT/RW", ""),
    ("TOKOH_MASYARAKAT", "Tokoh masyarakat/adat", ""),
    ("BPD", "Anggota Badan Permusyawaratan Desa", ""),
    ("PETANI", "Petani", ""),
    ("NELAYAN", "Nelayan", ""),
    ("DAMKAR", "Relawan pemadam kebakaran", ""),
    ("RELAWAN", "Relawan PMI/bencana", ""),
    ("UMKM", "Pekerja usaha mikro dan kecil", ""),
    ("LAINNYA", "Pekerja rentan lainnya", ""),
]


def seed(apps, schema_editor):
    category = apps.get_model("workers", "OccupationCategory")
    for order, (code, name, description) in enumerate(CATEGORIES, start=1):
        category.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
