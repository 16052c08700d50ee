"""Once: the first database guard of the invoice lines ("an issued invoice's lines never change").

The rules of the lines now live in ``lindung/contributions/lines/``, one module per database, and
migration 0006 installs them all (this one, 0004 and 0005 created earlier versions, which 0006 removes
from databases that have them). Kept, empty, so that the migration history stays as installations
recorded it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]

    operations = []
