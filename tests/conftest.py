import pytest


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
