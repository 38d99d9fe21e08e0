"""What operators and their machines ask of Podium (README, "Monitoring"): the public
``/healthz``, the private detailed check ``/ops/health`` and the Prometheus metrics
``/ops/metrics``.

Load balancers and Prometheus reach an app server by its address, so their ``Host`` header
is an IP that ``ALLOWED_HOSTS`` does not list, and Django answers 400 before any view runs
(``CommonMiddleware`` validates the host). ``OpsMiddleware`` sits before it and answers
these three exact paths itself, so they work whatever the ``Host``; every other path still
goes through host validation. The private two answer only a request carrying
``Authorization: Bearer <OPS_TOKEN>`` or coming from an address in ``OPS_ALLOWED_IPS`` (the
client address as ``news.client`` reads it, honouring ``TRUSTED_PROXY_HEADER``); anyone
else gets 403.
"""

import hmac
import ipaddress
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus import middleware as prometheus_middleware
from django_prometheus.exports import ExportToDjangoView

from news.client import client_address, parse_address

HEALTH_PATH = "/healthz"
DETAIL_PATH = "/ops/health"
METRICS_PATH = "/ops/metrics"


def allowed_networks(values):
    """``OPS_ALLOWED_IPS`` entries (addresses or networks) as ``ip_network`` objects; a
    malformed entry raises ValueError (settings turn it into a start-up error)."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def is_operator(request):
    """Whether ``request`` may see the private endpoints: the right bearer token, or a
    client address inside ``OPS_ALLOWED_IPS``."""
    token = settings.OPS_TOKEN
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip(), token):
        return True
    if not settings.OPS_ALLOWED_IPS:
        return False
    address = parse_address(client_address(request))
    return address is not None and any(
        address.version == network.version and address in network
        for network in allowed_networks(settings.OPS_ALLOWED_IPS)
    )


def operators_only(view):
    """403 (JSON, never cached) for anyone but an operator (``is_operator``)."""

    def wrapped(request, *args, **kwargs):
        if not is_operator(request):
            response = JsonResponse(
                {
                    "error": "forbidden",
                    "detail": "Send Authorization: Bearer <OPS_TOKEN>, or ask from an address in "
                    "OPS_ALLOWED_IPS (README, Monitoring).",
                },
                status=403,
            )
            add_never_cache_headers(response)
            return response
        return view(request, *args, **kwargs)

    return wrapped


# ---------------------------------------------------------------- the detailed check


def _timed(check):
    started = time.monotonic()
    try:
        detail = check() or {}
        ok = detail.pop("ok", True)
    except Exception as exc:  # noqa: BLE001 - any failure of a check is its answer, never a 500
        ok, detail = False, {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), **detail}


def check_database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    # A Redis outage is a miss, not an error (config/redis.py): a value that does not come
    # back is the failure.
    key, value = "ops:health", str(time.monotonic())
    cache.set(key, value, timeout=30)
    if cache.get(key) != value:
        return {"ok": False, "error": "the cache did not return what was just stored"}
    return None


def check_media_disk():
    media = Path(settings.MEDIA_ROOT)
    if not media.is_dir():
        return {"ok": False, "error": "MEDIA_ROOT does not exist"}
    free_mb = shutil.disk_usage(media).free // (1024 * 1024)
    return {
        "ok": free_mb >= settings.OPS_MIN_FREE_MB,
        "free_mb": free_mb,
        "min_free_mb": settings.OPS_MIN_FREE_MB,
    }


def check_migrations():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    unapplied = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    return {"ok": not unapplied, "unapplied": unapplied[:20]}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "media_disk": check_media_disk,
    "migrations": check_migrations,
}


@never_cache
@require_safe
@operators_only
def health_detail(request):
    """200 with each check's verdict when all pass, 503 when any fails."""
    results = {name: _timed(check) for name, check in CHECKS.items()}
    # Migrations cannot be read without the database: one failure, not two.
    if not results["database"]["ok"]:
        results["migrations"] = {"ok": False, "ms": 0, "error": "database unavailable"}
    ok = all(result["ok"] for result in results.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": results}, status=200 if ok else 503)


@never_cache
@require_safe
@operators_only
def metrics(request):
    """The Prometheus text format, from every worker when PROMETHEUS_MULTIPROC_DIR is set."""
    return ExportToDjangoView(request)


# ---------------------------------------------------------------- middleware


class OpsMiddleware:
    """Answers ``/healthz``, ``/ops/health`` and ``/ops/metrics`` (exact paths) before host
    validation, so a balancer or Prometheus asking by IP is answered. Placed after the
    middleware that add the security and logging headers, before CommonMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path == HEALTH_PATH:
            from news.views import healthz

            return healthz(request)
        if path == DETAIL_PATH:
            return health_detail(request)
        if path == METRICS_PATH:
            return metrics(request)
        return self.get_response(request)


class PrometheusAfterMiddleware(prometheus_middleware.PrometheusAfterMiddleware):
    """django-prometheus' per-view metrics, with any method outside the usual few counted as
    "<invalid method>": its latency histogram labels by the raw method, so a client sending
    made-up methods would otherwise grow the metrics without bound."""

    def label_metric(self, metric, request, response=None, **labels):
        if "method" in labels:
            labels["method"] = self._method(request)
        return super().label_metric(metric, request, response, **labels)
