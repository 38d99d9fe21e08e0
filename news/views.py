"""The reader-facing news pages: home, article lists and pages, search, static pages,
robots.txt, the health check and the error pages.

Every public article comes through ``Article.objects.published()`` (via ``for_listing()``
or the selectors), so drafts and scheduled articles answer 404.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import Error as DatabaseError
from django.db import connection
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from athletics.selectors import featured_athletes, latest_medallists, medal_counts_for
from core.cache import ATHLETICS, NEWS, cache_page
from core.structured_data import breadcrumb_list, byline
from corrections.models import last_modified

from . import comment_views, embeds, selectors
from .models import Article, Author, Section, Tag
from .templatetags.news_tags import absolute

HOME_LATEST = 9
SEARCH_PER_PAGE = 10


def athlete_cards(athletes):
    """``[{"athlete", "counts"}]`` for the athlete-card include, medal counts in one query."""
    athletes = list(athletes)
    counts = medal_counts_for(athletes=athletes) if athletes else {}
    return [{"athlete": athlete, "counts": counts.get(athlete.pk)} for athlete in athletes]


@cache_page(NEWS, ATHLETICS)
@require_safe
def home(request):
    """The home page: lead story, latest articles, featured athletes, latest medallists."""
    lead, latest = selectors.home_articles(limit=HOME_LATEST)
    context = {
        "lead": lead,
        "latest": latest,
        "featured_athletes": athlete_cards(featured_athletes(limit=6)),
        "latest_medallists": latest_medallists(limit=8),
        "structured_data": {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": settings.SITE_NAME,
            "url": absolute("/"),
            "potentialAction": {
                "@type": "SearchAction",
                "target": absolute(reverse("news:search")) + "?q={search_term_string}",
                "query-input": "required name=search_term_string",
            },
        },
    }
    return render(request, "news/home.html", context)


class ArticleListMixin:
    """Owns the list pages' queryset: published articles, newest first, 12 a page.

    A subclass naming ``subject_model`` and ``subject_filter`` lists the articles of the
    object whose slug is in the URL (unknown slug: 404).

    Bad ``?page=`` values are Django's ListView rules, kept on purpose: a value that is not
    a whole number ("abc", "1.5", a 5000-digit number) or names no page ("0", "-1",
    "99999") answers 404, because that URL names no page of the list; page 1 of an empty
    list is a 200 with an empty state, and "last" is the last page. Never a 500.
    """

    paginate_by = 12
    paginator_class = selectors.KeysFirstPaginator
    context_object_name = "articles"
    template_name = "news/article_list.html"
    subject_model = None
    subject_filter = None

    @method_decorator(cache_page(NEWS))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        articles = Article.objects.for_listing()
        if self.subject_model is None:
            self.subject = None
            return articles
        self.subject = get_object_or_404(self.subject_model, slug=self.kwargs["slug"])
        return articles.filter(**{self.subject_filter: self.subject})

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, **kwargs)


class ArticleListView(ArticleListMixin, ListView):
    """/news/: every published article."""

    extra_context = {"list_kind": "all"}


class SectionArticleListView(ArticleListMixin, ListView):
    """/news/section/<slug>/: the articles of one section."""

    subject_model = Section
    subject_filter = "section"
    extra_context = {"list_kind": "section"}


class TagArticleListView(ArticleListMixin, ListView):
    """/news/tag/<slug>/: the articles with one tag."""

    subject_model = Tag
    subject_filter = "tags"
    extra_context = {"list_kind": "tag"}


class AuthorArticleListView(ArticleListMixin, ListView):
    """/news/author/<slug>/: the articles by one author."""

    subject_model = Author
    subject_filter = "authors"
    extra_context = {"list_kind": "author"}


class ArticleDetailView(DetailView):
    """/news/<slug>/: one published article with its athletes, editions and comments.

    Preview: a user with ``news.change_article`` also gets drafts and scheduled articles
    (the template shows a banner), sent with never-cache headers; everyone else gets 404.
    An old slug of a renamed article (``ArticleRedirect``) redirects to its current URL: a
    GET with a 301, a comment posted there with a 308, so the fan's text goes along.
    """

    template_name = "news/article_detail.html"
    context_object_name = "article"
    preview_permission = "news.change_article"

    @classmethod
    def as_view(cls, **initkwargs):
        """The view function, cached (core.cache). Decorated here, once: ``method_decorator``
        on ``dispatch`` would apply ``cache_page`` again on every request, and a hit now skips
        making the view's instance too."""
        cached = cache_page(NEWS, ATHLETICS, "comments:{slug}", "story-age:{slug}")
        return cached(super().as_view(**initkwargs))

    def can_preview(self):
        """Whether the user may see unpublished articles (no query for anonymous readers)."""
        return self.request.user.has_perm(self.preview_permission)

    def get_queryset(self):
        return selectors.article_detail_queryset(include_unpublished=self.can_preview())

    def post(self, request, *args, **kwargs):
        """A fan's comment (news.comment_views.post_comment); other methods but GET: 405.
        Posted under an old slug: a 308 to the current URL, which the browser posts again."""
        try:
            return comment_views.post_comment(self, request, self.kwargs["slug"])
        except Http404:
            response = comment_views.repost_to_renamed_article(
                request, self.kwargs["slug"], url=Article.get_absolute_url
            )
            if response is None:
                raise
            return response

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            response = self.redirect_from_old_slug()
            if response is None:
                raise
            return response

    def redirect_from_old_slug(self):
        """A redirect from an old slug to the article's current URL, or None."""
        article = selectors.renamed_article(old_slug=self.kwargs["slug"])
        if article is None:
            return None
        url = article.get_absolute_url()
        if self.request.META.get("QUERY_STRING"):
            url += "?" + self.request.META["QUERY_STRING"]
        if article.is_published:
            return HttpResponsePermanentRedirect(url)
        if self.can_preview():
            # Temporary and uncached: browsers keep a 301 for good, but the public still
            # gets 404 here until the article is published.
            response = HttpResponseRedirect(url)
            add_never_cache_headers(response)
            return response
        return None

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published:
            # A preview: no browser, proxy, CDN or page cache may keep it.
            add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        article = self.object
        modified = last_modified(article)
        # Results in stories: the embeds' data and the article's records, read now, so a
        # corrected result shows in every story on its next request (README).
        embed_data = embeds.load(embeds.embeds_in(article.body_html), article=article)
        age_warning = article.age_warning
        context.update(
            last_modified=modified,
            # An "Updated" line when the article changed, or was corrected, after publication.
            was_updated=bool(
                article.published_at and (modified - article.published_at).total_seconds() > 600
            ),
            article_body=embeds.render_body(article, embed_data),
            since_this_story=embeds.since_this_story(article, embed_data.records.values()),
            age_warning=age_warning,
            og_description=f"{age_warning}. {article.standfirst}" if age_warning else article.standfirst,
            athlete_cards=athlete_cards(article.athletes.all()),
            more_on_this_story=selectors.more_on_this_story(article=article),
            structured_data=self.structured_data(article),
            breadcrumbs=breadcrumb_list(
                (article.section.name, article.section.get_absolute_url()),
                (article.title, article.get_absolute_url()),
            ),
            **comment_views.comment_section(
                request=self.request,
                article=article,
                form=kwargs.get("comment_form"),
                rate_limit_wait=kwargs.get("rate_limit_wait", 0),
            ),
        )
        return context

    @staticmethod
    def structured_data(article):
        """The schema.org NewsArticle describing ``article``."""
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.standfirst,
            "url": absolute(article.get_absolute_url()),
            "mainEntityOfPage": absolute(article.get_absolute_url()),
            # A draft's preview may have no publication time yet.
            "datePublished": article.published_at.isoformat() if article.published_at else None,
            # Its own last save or its latest correction's, whichever is later.
            "dateModified": last_modified(article).isoformat(),
            "articleSection": article.section.name,
            "keywords": [tag.name for tag in article.tags.all()],
            # A newsroom byline ("Podium staff") is an Organization, a writer a Person.
            "author": [byline(author) for author in article.authors.all()]
            or [{"@type": "Organization", "name": settings.SITE_NAME}],
            "publisher": {
                "@type": "Organization",
                "name": settings.SITE_NAME,
                "url": absolute("/"),
                "logo": {"@type": "ImageObject", "url": absolute(static("img/favicon.svg"))},
            },
        }
        if article.hero_image:
            data["image"] = [absolute(article.hero_image.url)]
        corrections = article.corrections.all()
        if corrections:
            data["correction"] = [
                {
                    "@type": "CorrectionComment",
                    "text": correction.text,
                    "datePublished": correction.date.isoformat(),
                    "url": absolute(correction.get_absolute_url()),
                }
                for correction in corrections
            ]
        return data


@cache_page(NEWS, ATHLETICS)
@require_safe
def search(request):
    """/search/?q=: articles and athletes matching the query, articles paginated.

    The query is cut to 500 characters; an empty query shows the form and no results.
    Pagination is lenient here (a search URL is typed and edited by people, and is never
    indexed): a ``?page=`` that is not a number shows page 1, one past the end shows the
    last page. A search that finds something names itself as its canonical URL (``?q=``
    as cleaned, ``&page=`` past the first), so the page cache may keep it; one that finds
    nothing, or a URL that is not in that form, is answered and never kept."""
    query = selectors.clean_query(request.GET.get("q", ""))
    terms = selectors.query_terms(query)
    if not terms:
        context = {"search_query": query, "page_obj": None, "athletes": [], "result_count": 0}
        return render(request, "news/search.html", context)
    paginator = Paginator(selectors.search_articles(query), SEARCH_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    for article in page.object_list:
        if hasattr(article, "snippet_headline"):
            article.title_html = selectors.mark_sentinels(article.title_headline)
            article.snippet_html = selectors.mark_sentinels(article.snippet_headline)
        else:
            article.title_html = selectors.highlight(article.title, terms)
            article.snippet_html = selectors.highlight(selectors.plain_text(article), terms, width=240)
    athletes = []
    if page.number == 1:
        athletes = selectors.search_athletes(query)
        for athlete in athletes:
            athlete.name_html = selectors.highlight(athlete.name, terms)
    found = paginator.count + len(athletes)
    canonical = {"q": query, **({"page": page.number} if page.number > 1 else {})}
    context = {
        "search_query": query,
        "page_obj": page,
        "athletes": athletes,
        "result_count": found,
        "canonical_query": f"?{urlencode(canonical)}" if found else "",
    }
    return render(request, "news/search.html", context)


class PageView(TemplateView):
    """A short static page (privacy, house rules); the template is given in the URLconf."""


@require_safe
def robots_txt(request):
    """robots.txt: everything but search may be crawled; where the sitemap is. The admin
    URL is deliberately not named (it would only advertise it)."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('news:search')}",
        "",
        f"Sitemap: {absolute(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """200 {"status": "ok"} once the database has answered a query; 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception):
    """The branded 404 page (templates/404.html, within the site layout)."""
    return defaults.page_not_found(request, exception, template_name="404.html")


def server_error(request):
    """The branded 500 page: a self-contained template rendered without the request
    context or the database, which may be what failed. (The URLconf's handler500 is
    config.errors.server_error, which this is: it also answers the 503 page when the
    database is what failed.)"""
    from config.errors import server_error as project_server_error

    return project_server_error(request)
