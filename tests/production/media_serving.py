"""A fixture for tests of /media/ as Django serves it in development and `make serve`."""

import importlib
import io

import pytest
from django.urls import clear_url_caches
from PIL import Image


@pytest.fixture
def serve_media(settings):
    """config.urls rebuilt with SERVE_MEDIA on (the test settings have it off), and a real PNG
    under the test's MEDIA_ROOT; the URL of that PNG."""
    import config.urls

    original = settings.SERVE_MEDIA
    settings.SERVE_MEDIA = True
    importlib.reload(config.urls)
    clear_url_caches()
    (settings.MEDIA_ROOT / "articles").mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (20, 60, 120)).save(buffer, "PNG")
    (settings.MEDIA_ROOT / "articles" / "hero.png").write_bytes(buffer.getvalue())
    yield "/media/articles/hero.png"
    settings.SERVE_MEDIA = original
    importlib.reload(config.urls)
    clear_url_caches()
