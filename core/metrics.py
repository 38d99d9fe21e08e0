"""Podium's own Prometheus metrics (README, "Monitoring"), beside django-prometheus' request,
latency and database metrics. prometheus_client keeps them per process, or in
PROMETHEUS_MULTIPROC_DIR for every gunicorn worker when that is set."""

from prometheus_client import Counter

page_cache_requests = Counter(
    "podium_page_cache_requests_total",
    "Cacheable GET/HEAD requests by what the page cache did: hit_local (this worker's "
    "memory), hit_shared (Redis), miss (rendered by the view).",
    ["result"],
)
comments_posted = Counter(
    "podium_comments_posted_total",
    "Comments stored, by the status they got: approved (published), pending (held for a "
    "moderator), spam (the form caught a bot).",
    ["status"],
)
