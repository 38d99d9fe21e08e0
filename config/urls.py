"""Podium URL configuration: the public contract is in PRODUCT.md; keep it stable."""

import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.static import serve

from athletics.sitemaps import SITEMAPS as ATHLETICS_SITEMAPS
from config import ops
from config.sitemaps import sitemap_index
from core.cache import ATHLETICS, NEWS, cache_page
from news import views as news_views
from news.sitemaps import SITEMAPS as NEWS_SITEMAPS

admin.site.site_header = "Podium newsroom"
admin.site.site_title = "Podium newsroom"
admin.site.index_title = "Desk"

sitemaps = {**NEWS_SITEMAPS, **ATHLETICS_SITEMAPS}

urlpatterns = [
    # ADMIN_URL (default admin/): robots.txt never names it.
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("news.urls")),
    path("", include("athletics.urls")),
    path("", include("notifications.urls")),
    path("", include("corrections.urls")),
    # The index, and one sitemap per section (paginated: ?p=N).
    path(
        "sitemap.xml",
        require_safe(cache_page(NEWS, ATHLETICS)(sitemap_index)),
        {"sitemaps": sitemaps},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        # Cached pages (core.cache); a page of a sitemap (?p=N) is kept under its number.
        require_safe(cache_page(NEWS, ATHLETICS, query=("p",))(sitemap_views.sitemap)),
        {"sitemaps": sitemaps},
        name="sitemap_section",
    ),
    path("robots.txt", news_views.robots_txt, name="robots_txt"),
    path("healthz", news_views.healthz, name="healthz"),
    # Private (a token or an allow-list: config/ops.py). OpsMiddleware answers these three
    # before host validation; they are routed here too so that they resolve and reverse.
    path("ops/health", ops.health_detail, name="ops_health"),
    path("ops/metrics", ops.metrics, name="ops_metrics"),
]


# Files are read, never written: GET and HEAD, 405 (Allow: GET, HEAD) for any other method, as
# WhiteNoise answers for the static files it has. CSRF-exempt, since nothing here changes
# anything: a POST without a token gets the 405, not the CSRF failure page.
@csrf_exempt
@require_safe
def static_not_found(request, path):
    """A path under STATIC_URL that WhiteNoise has no file for: 404."""
    raise Http404


if settings.STATIC_URL.startswith("/"):
    urlpatterns += [
        re_path(rf"^{re.escape(settings.STATIC_URL.strip('/'))}/(?P<path>.*)\Z", static_not_found)
    ]

if settings.SERVE_MEDIA:
    # Development and `make serve` only; production serves MEDIA_ROOT from the web server.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.strip('/'))}/(?P<path>.*)\Z",
            csrf_exempt(require_safe(serve)),
            {"document_root": settings.MEDIA_ROOT},
        ),
    ]

handler404 = "news.views.page_not_found"
# The 500 page, or the 503 "try again" page when the database is what failed.
handler500 = "config.errors.server_error"
