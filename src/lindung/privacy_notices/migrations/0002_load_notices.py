"""The packaged notices (``data/v<N>.toml``), so that registration has one from the start. A later version comes
with a migration of its own calling the loader again (idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from lindung.privacy_notices.services import notices_load

    notices_load(model=apps.get_model("privacy_notices", "PrivacyNotice"))


class Migration(migrations.Migration):
    dependencies = [("privacy_notices", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
