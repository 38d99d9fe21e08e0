"""The site's sitemaps, shared by the apps: every URL is built from ``settings.SITE_URL``,
never from the request's Host header, and ``/sitemap.xml`` is an index of the sections'
sitemaps (each app lists its own in its ``sitemaps.SITEMAPS``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.template.response import TemplateResponse
from django.urls import reverse


class SiteUrlSitemap(Sitemap):
    """A sitemap whose locations start with SITE_URL, whatever host the request named.

    ``latest_change``, a function of no argument, gives the section's latest change: its
    ``<lastmod>`` in the index (Django's default would call ``lastmod()`` on every item).
    Sections of one app share theirs, so the index runs each once."""

    latest_change = None

    def get_latest_lastmod(self):
        return type(self).latest_change() if type(self).latest_change else None

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        # Host plus any path prefix, so a SITE_URL like https://example.com/podium works too.
        parts = urlsplit(settings.SITE_URL)
        return f"{parts.netloc}{parts.path}"


@x_robots_tag
def sitemap_index(request, sitemaps, sitemap_url_name="sitemap_section"):
    """/sitemap.xml: the sitemap index, one entry per section's sitemap and per page of it
    (``?p=N``, a section's ``limit`` URLs each), on SITE_URL. It stays a few hundred bytes
    however large the archive grows (a single sitemap of every URL was 1.1 MB at 20,000
    articles, and search engines stop reading one at 50,000 URLs). One count per section,
    and one query per app for its latest change, the ``<lastmod>`` of its sections (every
    page of a section gets it, as in Django's own index)."""
    entries, latest = [], {}
    for section, sitemap in sitemaps.items():
        sitemap = sitemap() if callable(sitemap) else sitemap
        location = f"{settings.SITE_URL}{reverse(sitemap_url_name, kwargs={'section': section})}"
        source = type(sitemap).latest_change
        if source not in latest:
            latest[source] = sitemap.get_latest_lastmod()
        lastmod = latest[source]
        entries.append(SitemapIndexItem(location, lastmod))
        entries += [
            SitemapIndexItem(f"{location}?p={page}", lastmod)
            for page in range(2, sitemap.paginator.num_pages + 1)
        ]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )
