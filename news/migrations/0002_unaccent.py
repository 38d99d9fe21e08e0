from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class UnaccentOnPostgreSQL(UnaccentExtension):
    """Django's UnaccentExtension is a no-op forwards on SQLite but, backwards, queries
    pg_extension on any database; this one is a no-op both ways off PostgreSQL, so
    `migrate news zero` works on SQLite too."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    """PostgreSQL's unaccent for accent-insensitive search; a no-op on SQLite."""

    dependencies = [("news", "0001_initial")]

    operations = [UnaccentOnPostgreSQL()]
