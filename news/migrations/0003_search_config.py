from django.db import migrations

CREATE = """
CREATE TEXT SEARCH CONFIGURATION podium_search (COPY = english);
ALTER TEXT SEARCH CONFIGURATION podium_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS podium_search;"


def create_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(CREATE)


def drop_config(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    """PostgreSQL: a text search configuration that folds accents before English stemming,
    so "nordas" finds "Nordås" and headlines mark the accented word; a no-op on SQLite."""

    dependencies = [("news", "0002_unaccent")]

    operations = [migrations.RunPython(create_config, drop_config)]
