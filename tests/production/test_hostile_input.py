"""Hostile input, everywhere: every URL of the sitemap (demo content) and every URL of the
public contract (PRODUCT.md), each with hostile variants — bad page numbers, a
10,000-character query, NULs and broken percent-encoding in paths and parameters, unknown
and unicode slugs, forged headers, and every HTTP method. Nothing may answer 5xx; PUT,
PATCH and DELETE answer 405; OPTIONS answers 200 with Allow, or 405; bad input 400/404
(or, where a page is lenient by design, the page itself). Every response carries the
security headers.

The counts of what was tried are printed (``pytest -s``) and asserted to stay large.
"""

import re
from collections import Counter
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import resolve

from news.models import Article
from notifications import tokens
from notifications.models import Subscriber
from tests.news.factories import CommentFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_MD = ROOT.parent / "shared" / "PRODUCT.md"
ARTICLE = "josh-kerr-world-champion-plan-for-paris"
# The address of the reply-email links (the demo fixture stores it, under this pk).
FAN = Subscriber(pk=4242, email="fan@example.com")
CONFIRM_URL = f"/notifications/confirm/{tokens.confirm_token(FAN)}/"
UNSUBSCRIBE_URL = f"/notifications/unsubscribe/{tokens.unsubscribe_token(FAN)}/"

# Every URL of PRODUCT.md's "Public URLs" table, made concrete with the demo content.
PRODUCT_URLS = [
    "/",
    "/news/",
    "/news/?page=1",
    f"/news/{ARTICLE}/",
    f"/news/{ARTICLE}/?sort=recommended",
    "/news/section/athletics/",
    "/news/tag/1500-m/",
    "/news/author/podium-staff/",
    "/athletes/",
    "/athletes/?country=GBR&discipline=1500-m",
    "/athletes/josh-kerr/",
    "/athletes/josh-kerr/vs/jakob-ingebrigtsen/",
    "/athletes/josh-kerr/feed/",
    "/athletes/josh-kerr/feed/atom/",
    "/competitions/",
    "/competitions/world-championships-budapest-2023/",
    "/medals/",
    "/medals/?competition=olympic-games",
    "/search/?q=kerr",
    "/feeds/latest/",
    "/feeds/latest/atom/",
    "/feeds/section/athletics/",
    "/feeds/section/athletics/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "/healthz",
    # Private (issue 14): 403 to the crawl, which has no token.
    "/ops/health",
    "/ops/metrics",
    "/privacy/",
    "/house-rules/",
    "/admin/",
    # POST-only (below, with the comment forms' URLs): the crawl uses the demo comment's id.
    f"/news/{ARTICLE}/comments/1/recommend/",
    # The posting browser's alone (news.comment_edits): the crawl, another browser, is refused.
    f"/news/{ARTICLE}/comments/{{comment}}/edit/",
    f"/news/{ARTICLE}/comments/{{comment}}/delete/",
    CONFIRM_URL,
    UNSUBSCRIBE_URL,
    # A reader's error report: POST only (below, with the comment forms' URLs).
    f"/news/{ARTICLE}/report-error/",
    "/corrections/",
    "/corrections/?page=1",
    "/feeds/corrections/",
    "/feeds/corrections/atom/",
]
POST_ONLY = re.compile(r"/comments/[^/]+/recommend/$|/report-error/$")
# What the crawl gets from a comment's edit and delete URLs ({comment}: the demo fixture's):
# 403 (not the browser that posted it) and 405 (delete is POST only), besides the usual.
REFUSED = {
    f"/news/{ARTICLE}/comments/{{comment}}/edit/": {403},
    f"/news/{ARTICLE}/comments/{{comment}}/delete/": {405},
    "/ops/health": {403},
    "/ops/metrics": {403},
}
# POST is their purpose (comment form, reports: another part of the site tests POST);
# here they must only never 5xx, and refuse PUT, PATCH and DELETE.
POST_URLS = {f"/news/{ARTICLE}/", "/athletes/josh-kerr/", *REFUSED, CONFIRM_URL, UNSUBSCRIBE_URL}
# Every athlete's profile takes its "Follow by email" form (tested in tests/notifications).
POST_PAGES = re.compile(r"^/athletes/[^/]+/$")
# Django's admin has its own method handling (and a login redirect); never a 5xx.
NOT_STRICT_PREFIXES = ("/admin/",)

LONG_Q = "kerr " * 2000  # 10,000 characters
BAD_PAGES = ["-1", "0", "abc", "1.5", "1000000000", str(10**9), "9" * 400, "%00", "%ZZ", "1%C3%28", "last%00"]
BAD_VALUES = [
    "%00",
    "%ZZ",
    "%C3%28",
    "%",
    "%%",
    "%E2%80%AE",
    "<script>alert(1)</script>",
    "'\"--",
    "%F0%9F%8F%83",
]
PARAMS = ["q", "page", "country", "discipline", "competition", "reply", "sort", "comments", "utm_source"]
PATH_SUFFIXES = [
    "%00/",
    "%ZZ/",
    "%C3%28/",
    "%2e%2e/%2e%2e/etc/passwd",
    "..%2F..%2F",
    "%FF%FE/",
    "x" * 2000 + "/",
]
UNKNOWN_SLUGS = ["no-such-slug", "kérr-øæ-中文", "%00", "%ZZ", "%C3%28", "a" * 300, "-", "0"]
FORGED_HEADERS = [
    {"HTTP_HOST": "evil.example"},
    {"HTTP_HOST": "127.0.0.1:8000\r\nX-Injected: 1"},
    {"HTTP_X_FORWARDED_FOR": "1.2.3.4, <script>", "HTTP_X_FORWARDED_PROTO": "https"},
    {"HTTP_X_REQUEST_ID": "x" * 5000},
    {"HTTP_X_REQUEST_ID": "a\r\nb"},
    {"HTTP_COOKIE": "sessionid=%00%ZZ; csrftoken=" + "z" * 4000 + "; podium_commenter=forged"},
    {"HTTP_ACCEPT_LANGUAGE": "x" * 3000, "HTTP_USER_AGENT": "\x00" * 10},
    {"HTTP_IF_MODIFIED_SINCE": "yesterday", "HTTP_IF_NONE_MATCH": '"' * 50, "HTTP_RANGE": "bytes=-1-"},
]
OK_FOR_BAD_INPUT = {200, 301, 302, 303, 400, 404, 405, 410}
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=()",
}


class Crawl:
    """Sends requests, records each (kind, method, url, status) and every problem."""

    def __init__(self):
        self.client = Client(raise_request_exception=False)
        self.kinds = Counter()
        self.statuses = Counter()
        self.problems = []

    def request(self, kind, method, url, expect=None, **extra):
        response = getattr(self.client, method.lower())(url, **extra)
        self.kinds[kind] += 1
        self.statuses[response.status_code] += 1
        where = f"{method} {url[:120]}{' ' + str(list(extra))[:60] if extra else ''}"
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
        elif expect is not None and response.status_code not in expect:
            self.problems.append(f"{where}: {response.status_code}, expected one of {sorted(expect)}")
        for header, value in SECURITY_HEADERS.items():
            if value not in response.get(header, ""):
                self.problems.append(f"{where}: {header} missing or wrong ({response.get(header)!r})")
        return response

    @property
    def total(self):
        return sum(self.kinds.values())


def sitemap_paths(client):
    """Every page the sitemaps list: /sitemap.xml is the index of the sections' sitemaps."""

    def locs_of(path):
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK
        locs = re.findall(r"<loc>(.*?)</loc>", response.content.decode())
        assert locs, f"{path} lists no URL"
        assert all(loc.startswith(settings.SITE_URL) for loc in locs)
        return [loc[len(settings.SITE_URL) :] for loc in locs]

    return [page for sitemap in locs_of("/sitemap.xml") for page in locs_of(sitemap)]


def with_param(url, name, value):
    return f"{url}{'&' if '?' in url else '?'}{name}={value}"


def replace_last_segment(path, slug):
    parts = path.rstrip("/").split("/")
    if len(parts) < 3:  # "/", "/news": no slug to replace
        return None
    return "/".join([*parts[:-1], slug]) + "/"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    article = Article.objects.get(slug=ARTICLE)
    comment = CommentFactory(article=article)
    Subscriber.objects.create(pk=FAN.pk, email=FAN.email)
    return comment


def test_every_url_survives_hostile_variants_and_methods(demo, capsys):
    crawl = Crawl()
    report_url = f"/news/{ARTICLE}/comments/{demo.pk}/report/"
    assert resolve(report_url).url_name == "comment_report"  # a missing route fails, never skips
    missing_report_url = f"/news/{ARTICLE}/comments/999999/report/"
    recommend_url = f"/news/{ARTICLE}/comments/{demo.pk}/recommend/"
    assert resolve(recommend_url).url_name == "comment_recommend"
    report_error_url = f"/news/{ARTICLE}/report-error/"
    assert resolve(report_error_url).url_name == "report_error"
    product_urls = [url.format(comment=demo.pk) for url in PRODUCT_URLS]
    refused_by_path = {url.format(comment=demo.pk): statuses for url, statuses in REFUSED.items()}
    post_only = {url.format(comment=demo.pk) for url in POST_URLS}
    base_urls = list(dict.fromkeys([*sitemap_paths(crawl.client), *product_urls]))
    base_urls = [url for url in base_urls if not POST_ONLY.search(url)]
    # Every URL gets the common variants; the first URL of each route (20 editions share
    # one view) gets all of them, which keeps the crawl quick without losing a view.
    seen_routes = Counter()

    for url in base_urls:
        path = url.split("?", 1)[0]
        strict = not path.startswith(NOT_STRICT_PREFIXES)
        refused = refused_by_path.get(path, set())
        route = resolve(path).view_name
        seen_routes[route] += 1
        full = seen_routes[route] == 1
        # The page itself answers, and HEAD answers the same without a body.
        first = crawl.request("baseline GET", "GET", url, expect={200, 301, 302} | refused)
        head = crawl.request("HEAD", "HEAD", url, expect={first.status_code})
        assert head.content == b"", f"HEAD {url} has a body"
        # Hostile query strings: every parameter the site reads at once, per bad value.
        for value in BAD_VALUES:
            query = "&".join(f"{name}={value}" for name in PARAMS)
            crawl.request(
                "bad parameter values",
                "GET",
                with_param(url, "x", "1&" + query),
                expect=OK_FOR_BAD_INPUT | refused,
            )
        for value in BAD_PAGES if full else BAD_PAGES[:4]:
            crawl.request(
                "bad ?page=", "GET", with_param(url, "page", value), expect=OK_FOR_BAD_INPUT | refused
            )
        crawl.request(
            "10,000-character q", "GET", with_param(url, "q", LONG_Q), expect=OK_FOR_BAD_INPUT | refused
        )
        for method in ("PUT", "PATCH", "DELETE") if full else ("DELETE",):
            crawl.request(
                "PUT/PATCH/DELETE", method, url, data="x=1", content_type="text/plain",
                expect={405} if strict else None,
            )  # fmt: skip
        if not full:
            continue
        for name in PARAMS:
            for value in BAD_VALUES[:3]:
                crawl.request(
                    "bad parameter value",
                    "GET",
                    with_param(url, name, value),
                    expect=OK_FOR_BAD_INPUT | refused,
                )
        crawl.request(
            "bad parameter name", "GET", with_param(url, "%ZZ%00", "1"), expect=OK_FOR_BAD_INPUT | refused
        )
        crawl.request(
            "repeated parameters", "GET", url + "?page=1&page=2&q=a&q=b", expect=OK_FOR_BAD_INPUT | refused
        )
        # Hostile paths.
        for suffix in PATH_SUFFIXES:
            crawl.request("bad path", "GET", path.rstrip("/") + "/" + suffix, expect={301, 302, 400, 404})
        crawl.request("bad path", "GET", path + "%00", expect={301, 302, 400, 404})
        for slug in UNKNOWN_SLUGS:
            other = replace_last_segment(path, slug)
            if other and other != path:
                crawl.request("unknown or unicode slug", "GET", other, expect={301, 302, 400, 404})
        # Methods.
        options = crawl.request("OPTIONS", "OPTIONS", url)
        if strict:
            assert options.status_code in {200, 405}, f"OPTIONS {url}: {options.status_code}"
            if options.status_code == HTTPStatus.OK:
                assert "GET" in options["Allow"], f"OPTIONS {url} without Allow"
        # Every article page takes the comment form's POST (PRODUCT.md): posts to it are
        # the comment flow's, crawled below on ARTICLE; the demo has more articles than it.
        if strict and path not in post_only and route != "news:article" and not POST_PAGES.match(path):
            crawl.request("POST to a read-only page", "POST", url, data={"x": "1"}, expect={405})
        # Forged or broken headers.
        for headers in FORGED_HEADERS:
            crawl.request("forged header", "GET", url, expect={200, 301, 302, 304, 400} | refused, **headers)

    # The comment form and the report URL: POST is theirs; they must never 5xx.
    missing_edit_url = f"/news/{ARTICLE}/comments/999999/edit/"
    post_urls = [f"/news/{ARTICLE}/", report_url, missing_report_url, recommend_url]
    # The athlete page's "Follow by email" form, and an unknown athlete's.
    post_urls += ["/athletes/josh-kerr/", "/athletes/no-such-athlete/"]
    post_urls += [*refused_by_path, missing_edit_url]
    post_urls += [
        f"/news/{ARTICLE}/comments/999999/recommend/",
        f"/news/no-such-story/comments/{demo.pk}/recommend/",
    ]
    post_urls += [report_error_url, "/news/no-such-story/report-error/"]
    # (The unsubscribe link last: it forgets the address.)
    post_urls += [CONFIRM_URL, UNSUBSCRIBE_URL]
    for url in (report_url, recommend_url, report_error_url):
        crawl.request("GET a POST-only URL", "GET", url, expect={405})
    for url in post_urls:
        crawl.request("POST (comments)", "POST", url, data={})
        crawl.request(
            "POST (comments)", "POST", url, data={"body": "\x00" * 10, "name": "%ZZ", "parent": "-1"}
        )
        crawl.request(
            "POST (comments)",
            "POST",
            url,
            data={
                "description": "\x00",
                "source_url": "javascript:%ZZ",
                "email": "@" * 300,
                "form_token": "1:2",
            },
        )
        crawl.request("POST (comments)", "POST", url, data={"body": "k" * 100_000, "reason": "nonsense"})
        crawl.request(
            "POST (comments)",
            "POST",
            url,
            data=b"\xff\xfe%ZZ=%00",
            content_type="application/x-www-form-urlencoded",
        )
        for method in ("PUT", "PATCH", "DELETE"):
            crawl.request("PUT/PATCH/DELETE", method, url, expect={405})

    with capsys.disabled():
        print(
            f"\nhostile crawl: {len(base_urls)} URLs ({len(seen_routes)} routes), {crawl.total} requests; "
            + ", ".join(f"{kind}: {count}" for kind, count in sorted(crawl.kinds.items()))
            + "; statuses: "
            + ", ".join(f"{status}: {count}" for status, count in sorted(crawl.statuses.items()))
        )
    assert not crawl.problems, f"{len(crawl.problems)} problems:\n" + "\n".join(crawl.problems[:60])
    assert len(base_urls) >= 40 and len(seen_routes) >= 20
    assert crawl.total >= 2000


# PRODUCT.md's "Public URLs" patterns, copied so the check runs where ../shared is absent
# (a clean CI checkout); where the file is present, the copy must still match it.
PRODUCT_PATTERNS = [
    "/", "/news/", "/news/<slug>/", "/news/section/<slug>/", "/news/tag/<slug>/", "/news/author/<slug>/",
    "/athletes/", "/athletes/<slug>/", "/athletes/<slug>/vs/<other-slug>/", "/competitions/",
    "/competitions/<slug>/", "/medals/", "/search/", "/feeds/latest/", "/feeds/latest/atom/",
    "/feeds/section/<slug>/", "/sitemap.xml", "/robots.txt", "/healthz", "/privacy/", "/house-rules/",
    "/admin/", "/news/<slug>/comments/<id>/recommend/", "/news/<slug>/comments/<id>/edit/",
    "/news/<slug>/comments/<id>/delete/", "/notifications/confirm/<token>/",
    "/notifications/unsubscribe/<token>/", "/news/<slug>/report-error/", "/corrections/",
    "/feeds/corrections/", "/athletes/<slug>/feed/",
]  # fmt: skip


def product_md_patterns():
    table = PRODUCT_MD.read_text().split("## Public URLs", 1)[1].split("\n## ", 1)[0]
    patterns = []
    for cell in re.findall(r"^\|\s*(.+?)\s*\|", table, flags=re.M):
        patterns += re.findall(r"`([^`]+)`", cell)
    # "(+ `atom/`)" names the Atom twin of the feed before it; "?q=..." is a parameter.
    return [p.split("?", 1)[0] for p in patterns if p.startswith("/")]


# PRODUCT.md's URLs of features still being built (issues 12 and 13): each moves into
# PRODUCT_PATTERNS, with a concrete URL in PRODUCT_URLS, when its issue lands.
PLANNED_PATTERNS = []


def test_product_md_urls_are_all_crawled():
    """Every URL pattern of PRODUCT.md's table has a concrete URL in PRODUCT_URLS."""
    if PRODUCT_MD.exists():
        assert set(product_md_patterns()) == set(PRODUCT_PATTERNS) | set(PLANNED_PATTERNS)
    for pattern in PRODUCT_PATTERNS:
        regex = (
            "^"
            + re.sub(r"<[^>]+>", "[^/]+", re.escape(pattern).replace(r"\<", "<").replace(r"\>", ">"))
            + "$"
        )
        assert any(re.match(regex, url.split("?", 1)[0]) for url in PRODUCT_URLS), pattern


def test_unsafe_methods_on_feeds_sitemap_robots_and_healthz_are_405(client):
    for url in ("/feeds/latest/", "/feeds/latest/atom/", "/sitemap.xml", "/robots.txt", "/healthz"):
        for method in ("put", "patch", "delete", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED, (method, url)
            assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
