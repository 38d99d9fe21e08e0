from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The weighted document news.selectors.search_articles() matches, exactly as Django writes
# it: PostgreSQL uses an expression index only for the very same expression. (0010 replaces
# this index by a stored column; a test on PostgreSQL checks the search plans use them.)
DOCUMENT = (
    "((setweight(to_tsvector('podium_search'::regconfig, COALESCE(\"title\", '')), 'A') || "
    "setweight(to_tsvector('podium_search'::regconfig, COALESCE(\"standfirst\", '')), 'B')) || "
    "setweight(to_tsvector('podium_search'::regconfig, COALESCE(\"body\", '')), 'C'))"
)
CREATE = [
    f"CREATE INDEX IF NOT EXISTS article_search_document_idx ON news_article USING gin ({DOCUMENT})",
    # The substring match on the folded text (partial words: "ingebr") with LIKE '%…%'.
    "CREATE INDEX IF NOT EXISTS article_search_trgm_idx ON news_article "
    "USING gin (search_document gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS article_search_document_idx",
    "DROP INDEX IF EXISTS article_search_trgm_idx",
]


class TrigramOnPostgreSQL(TrigramExtension):
    """Django's TrigramExtension is a no-op forwards on SQLite but, backwards, queries
    pg_extension on any database; this one is a no-op both ways off PostgreSQL, so
    `migrate news zero` works on SQLite too (tests/production/test_backup_and_migrations.py)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    """PostgreSQL: GIN indexes for search, so a query reads the matching articles instead of
    every article: full-text on the weighted document, trigrams for the substring match.
    A no-op on SQLite (whose search is a substring scan, cached; README, "Performance")."""

    dependencies = [("news", "0008_listing_and_reply_indexes")]

    operations = [
        TrigramOnPostgreSQL(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
