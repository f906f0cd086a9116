from django.db import migrations

from apps.catalogue.reference import reference_data_load


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [migrations.RunPython(reference_data_load, migrations.RunPython.noop)]
