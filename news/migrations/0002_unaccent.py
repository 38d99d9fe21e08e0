from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL's unaccent for accent-insensitive search; a no-op on SQLite."""

    dependencies = [("news", "0001_initial")]

    operations = [UnaccentExtension()]
