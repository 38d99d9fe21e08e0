from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
# Tests whose outcome cannot depend on the database or the cache behind the site: a browser
# (the same views, tested against PostgreSQL + Redis below it), the deploy files, the Makefile
# and settings loaded in a subprocess, the Nu Html Checker's run. CI runs them in its first
# (SQLite) pass only, so the whole run stays under 30 minutes (`-m "not once"` in .ci/run's second pass).
ONCE = (
    "e2e",
    "deploy",
    "test_makefile.py",
    "test_settings.py",
    "test_focus_ring.py",
    "test_html_validity.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        relative = Path(str(item.path)).relative_to(TESTS)
        if relative.parts[0] in ONCE:
            item.add_marker(pytest.mark.once)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads and renditions go to a temporary directory, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (CI's second run shares one Redis)."""
    from django.core.cache import cache

    from core import cache as page_cache

    cache.clear()
    page_cache.local.clear()
    yield
    cache.clear()
    page_cache.local.clear()
