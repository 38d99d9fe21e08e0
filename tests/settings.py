"""Settings for the test suite: production settings (DEBUG off) with test-only speed-ups.

Environment defaults are set before config.settings reads them, so `pytest` runs
without a .env; real environment variables (DATABASE_URL, CACHE_URL in CI) still win.
"""

import atexit
import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
# The test client speaks plain HTTP; HTTPS behaviour is tested explicitly.
os.environ.setdefault("HTTPS", "false")

from config.settings import *  # noqa: E402,F403
from config.settings import STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    # No collectstatic manifest needed in tests.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "https://podium.example"
# The cache's generation counters (config.caching) of this test run alone: other test runs
# on the machine share the test database's name, and their edits would bump ours.
CACHE_GENERATIONS_FILE = os.path.join(tempfile.gettempdir(), f"podium-test-generations-{os.getpid()}.bin")
atexit.register(lambda: os.path.exists(CACHE_GENERATIONS_FILE) and os.remove(CACHE_GENERATIONS_FILE))
# Serve static files from the finders (no collectstatic in tests; the browser tests need CSS).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
