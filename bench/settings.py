"""Settings for ``make bench``: the production settings, plus one URL (the floor view).

Nothing else may differ from production: DEBUG, middleware, cache and database settings
all come from ``config.settings`` and the environment the bench runner sets, exactly as
under ``make serve`` or in production.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
