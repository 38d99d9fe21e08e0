"""Settings for the test suite: production settings (DEBUG off) with test-only speed-ups.

Environment defaults are set before config.settings reads them, so `pytest` runs
without a .env; real environment variables (DATABASE_URL, CACHE_URL in CI) still win.
"""

import os

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
# Serve static files from the finders (no collectstatic in tests; the browser tests need CSS).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
