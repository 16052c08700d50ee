"""Load the packaged BPJS office file once, so a new installation answers with an office straight away.

Later versions of the file are brought in with ``lindung public offices load``.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def load_offices(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from lindung.public.offices import offices_load

    offices_load(model=apps.get_model("public", "BpjsOffice"))


class Migration(migrations.Migration):
    dependencies = [("public", "0001_initial")]

    operations = [migrations.RunPython(load_offices, migrations.RunPython.noop)]
