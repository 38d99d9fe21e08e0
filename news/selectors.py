"""Reused reads for the news pages: each returns a page-shaped queryset or list whose
query count does not grow with the data (the joins are inside)."""

import html
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVectorField
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    TextField,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from athletics.models import Athlete, CompetitionEdition
from corrections.models import Correction

from .markdown import fold
from .models import Article, ArticleRedirect, Comment, CommentSort, thread_query


def next_change():
    """When news pages next change by themselves, or None: a scheduled article goes public,
    or an article's comments close (COMMENTS_CLOSE_AFTER_DAYS). The page cache keeps this
    moment with the news generation (``core.cache``). Two queries on indexed columns."""
    now = timezone.now()
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    moments = [
        published.filter(published_at__gt=now)
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    ]
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days:
        opened = published.filter(comments_open=True, published_at__gt=now - timedelta(days=days))
        first = opened.order_by("published_at").values_list("published_at", flat=True).first()
        moments.append(first + timedelta(days=days) if first else None)
    return min((moment for moment in moments if moment and moment > now), default=None)


def article_scopes(article, created):
    """The page-cache scopes an article's write changes: news, and its own age scope (its
    publication time decides when "more than N years old" next changes)."""
    from core.cache import NEWS

    return (NEWS, f"story-age:{article.slug}")


def age_warning_changes_at(slug):
    """When the age warning of the article ``slug`` next changes, or None (no such article,
    no publication time, or STORY_AGE_WARNING_DAYS is 0: then without a query)."""
    if not settings.STORY_AGE_WARNING_DAYS:
        return None
    article = Article.objects.filter(slug=slug).only("published_at").first()
    return article.age_warning_changes_at if article else None


def home_articles(*, limit):
    """The lead story (the newest published featured article, else the newest published
    article, or None) and up to ``limit`` other latest articles, authors prefetched: three
    queries, each a short walk of the published index (``article_listing_idx``)."""
    newest_first = Article.objects.published().select_related("section").order_by("-published_at", "-pk")
    lead = newest_first.filter(is_featured=True).first()
    latest = list(newest_first[: limit + 1])
    if lead is None and latest:
        lead = latest[0]
    latest = [article for article in latest if lead is None or article.pk != lead.pk][:limit]
    prefetch_related_objects([*([lead] if lead else []), *latest], "authors")
    return lead, latest


class KeysFirstPaginator(Paginator):
    """Pages of an ordered queryset fetched by primary key first: the page's keys come from
    a subquery whose OFFSET walks an index (``article_listing_idx``) rather than whole rows,
    so page 1,000 of the archive costs about what page 1 does. Still one query per page."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        listing = self.object_list
        keys = listing.prefetch_related(None).values("pk")[bottom:top]
        # The rows by key alone: with the list's filters repeated here, SQLite would walk
        # the index again instead of looking the keys up.
        rows = listing.model._default_manager.filter(pk__in=keys)
        rows.query.select_related = listing.query.select_related
        rows = rows.prefetch_related(*listing._prefetch_related_lookups).order_by(*listing.query.order_by)
        return self._get_page(rows, number, self)


def article_detail_queryset(*, include_unpublished=False):
    """Published articles (with ``include_unpublished``, drafts and scheduled ones too: for
    previews) with everything the article page shows, in a fixed number of queries."""
    articles = Article.objects.all() if include_unpublished else Article.objects.published()
    return articles.select_related("section").prefetch_related(
        "authors",
        "tags",
        # Shown at the article's foot, oldest first, and they move its dateModified.
        Prefetch("corrections", queryset=Correction.objects.order_by("date", "created_at", "pk")),
        Prefetch("athletes", queryset=Athlete.objects.for_listing().order_by("name")),
        Prefetch(
            "editions",
            queryset=CompetitionEdition.objects.for_listing().order_by("-year", "competition__level"),
        ),
    )


def renamed_article(*, old_slug):
    """The article ``old_slug`` named before it was renamed (``ArticleRedirect``), with what
    its URL and its published state need, or None. One query."""
    old = (
        ArticleRedirect.objects.filter(old_slug=old_slug)
        .select_related("article")
        .only("article__slug", "article__status", "article__published_at")
        .first()
    )
    return old.article if old else None


def more_on_this_story(*, article, limit=4):
    """Up to ``limit`` other published articles sharing an athlete or a tag with ``article``
    (whose athletes and tags are prefetched), newest first, in one query."""
    athlete_ids = [athlete.pk for athlete in article.athletes.all()]
    tag_ids = [tag.pk for tag in article.tags.all()]
    if not athlete_ids and not tag_ids:
        return []
    # Subqueries on the through tables instead of joins: no duplicate rows, no DISTINCT.
    shares = Q(
        pk__in=Article.athletes.through.objects.filter(athlete_id__in=athlete_ids).values("article_id")
    ) | Q(pk__in=Article.tags.through.objects.filter(tag_id__in=tag_ids).values("article_id"))
    return list(
        Article.objects.published()
        .filter(shares)
        .exclude(pk=article.pk)
        .select_related("section")
        .order_by("-published_at", "-pk")[:limit]
    )


@dataclass
class CommentThread:
    """One page of an article's approved comments in one order (``sort``): top-level
    comments, each with its replies (oldest first) in ``approved_replies``; on the first
    page, the moderators' picks (``picks``, each with its ``thread_url`` in this order)."""

    comments: list
    count: int  # every approved comment of the article, replies included
    number: int
    num_pages: int
    sort: CommentSort = CommentSort.OLDEST
    picks: list = field(default_factory=list)
    top_level_count: int = 0

    @property
    def query(self):
        """The query string that names this page (empty for the first page, oldest first)."""
        return thread_query(sort=self.sort, page=self.number)

    @property
    def previous_number(self):
        return self.number - 1 if self.number > 1 else None

    @property
    def next_number(self):
        return self.number + 1 if self.number < self.num_pages else None

    @property
    def previous_query(self):
        return thread_query(sort=self.sort, page=self.previous_number) if self.previous_number else None

    @property
    def next_query(self):
        return thread_query(sort=self.sort, page=self.next_number) if self.next_number else None

    @property
    def reply_query_prefix(self):
        """This page's query string ready for one more parameter (``?sort=newest&``, ``?``)."""
        return f"{self.query}&" if self.query else "?"

    @property
    def sorts(self):
        """``[(sort, label, query, is_current)]`` for the sort links (each at its first page)."""
        return [(sort, sort.label, thread_query(sort=sort), sort == self.sort) for sort in CommentSort]


MAX_COMMENT_PAGE = 100_000


def comment_page_number(raw):
    """The page asked for by ``?comments=``: a whole number from 1 (capped, so the SQL
    offset stays small), anything else is page 1."""
    try:
        number = int(str(raw or "1").strip())
    except ValueError:  # not a number, or too many digits for int()
        return 1
    return min(max(number, 1), MAX_COMMENT_PAGE)


def _shown_comments(article):
    """Approved comments of ``article`` that the page shows: top-level ones and the
    replies to approved ones (and to comments removed by their author, whose placeholder
    keeps the replies in place)."""
    return (
        Comment.objects.approved()
        .filter(article=article)
        .filter(
            Q(parent__isnull=True) | Q(parent__status__in=[Comment.Status.APPROVED, Comment.Status.REMOVED])
        )
    )


def comment_picks(*, article, sort=CommentSort.OLDEST, per_page=None):
    """The moderators' picks of ``article`` that the page shows, first picked first, each
    with ``thread_url``: where it sits in the conversation sorted by ``sort``. One query:
    each pick's position (its top-level comment's, for a reply) is a subquery counting the
    comments shown before it."""
    per_page = per_page or settings.COMMENTS_PER_PAGE
    sort = CommentSort(sort)
    before = sort.before(
        created_at=OuterRef("anchor_created_at"), pk=OuterRef("anchor_pk"),
        recommend_count=OuterRef("anchor_recommend_count"),
    )  # fmt: skip
    earlier = (
        Comment.objects.top_level_shown()
        .filter(article=article)
        .filter(before)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    picks = list(
        _shown_comments(article)
        .filter(is_pick=True)
        .annotate(
            anchor_pk=Coalesce("parent_id", "pk", output_field=BigIntegerField()),
            anchor_created_at=Coalesce("parent__created_at", "created_at"),
            anchor_recommend_count=Coalesce("parent__recommend_count", "recommend_count"),
        )
        .annotate(position=Coalesce(Subquery(earlier), 0))
        .order_by("picked_at", "pk")
    )
    for pick in picks:
        query = thread_query(sort=sort, page=pick.position // per_page + 1)
        pick.thread_url = f"{article.get_absolute_url()}{query}#comment-{pick.pk}"
    return picks


def comment_thread(*, article, page=1, per_page=None, sort=CommentSort.OLDEST):
    """Page ``page`` of ``article``'s approved comments in ``sort`` order (past the last
    page: the last page), in two queries whatever their number: the page with its totals
    annotated (a window count of top-level comments, subqueries counting every comment
    shown and the picks), and its replies. Only a page number past the end costs two
    more, and picks, on the first page, one more."""
    per_page = per_page or settings.COMMENTS_PER_PAGE
    sort = CommentSort(sort)

    def total(comments):
        return comments.order_by().values("article").annotate(total=Count("pk")).values("total")

    shown = _shown_comments(article)
    top_level = Comment.objects.thread_for(article, sort).annotate(
        top_level_total=Window(Count("pk")),
        shown_total=Subquery(total(shown)),
        picks_total=Subquery(total(shown.filter(is_pick=True))),
    )
    number = max(page, 1)
    comments = list(top_level[(number - 1) * per_page : number * per_page])
    if not comments and number > 1:
        # A stale or made-up page number: show the last page rather than an empty one.
        top = Comment.objects.top_level_shown().filter(article=article).count()
        number = max(1, math.ceil(top / per_page))
        comments = list(top_level[(number - 1) * per_page : number * per_page])
    if not comments:
        return CommentThread(comments=[], count=0, number=1, num_pages=1, sort=sort)
    first = comments[0]
    picks = []
    if number == 1 and first.picks_total:
        picks = comment_picks(article=article, sort=sort, per_page=per_page)
    return CommentThread(
        comments=comments,
        count=first.shown_total or 0,  # NULL if nothing approved shows
        number=number,
        num_pages=max(1, math.ceil(first.top_level_total / per_page)),
        sort=sort,
        picks=picks,
        top_level_count=first.top_level_total,
    )


# ---------- Search ----------
#
# PostgreSQL: full-text search with the "podium_search" configuration (English stemming
# behind PostgreSQL's unaccent dictionary, created by migration 0003), ranked by
# SearchRank, plus a substring match on the folded ``search_document`` so that partial
# words ("ingebr") are found too. SQLite: the substring match alone. Athletes: their
# folded name on both.
#
# Highlighting never emits unescaped text: matches are first wrapped in two private-use
# sentinel characters (SearchHeadline's StartSel/StopSel on PostgreSQL, Python here on
# SQLite), the whole string is escaped, and only then are the sentinels swapped for <mark>.

MAX_QUERY_LENGTH = 500
# More words than this add nothing to a query a person types, and bound the SQL's size.
MAX_QUERY_TERMS = 12
SEARCH_CONFIG = "podium_search"
START_SEL = "\ue000"
STOP_SEL = "\ue001"
_SENTINELS = re.compile(f"([{START_SEL}{STOP_SEL}])")
# A results shortcode's line in the Markdown (news.embeds), which the page shows as a table:
# left out of snippets. PostgreSQL's flag "n" makes ^ and $ match at each line ("\r": as
# the admin's textarea posts it).
SHORTCODE_LINE_SQL = r"^ {0,3}\[\[.*\]\][ \t\r]*$"


def clean_query(raw):
    """The query as searched: at most MAX_QUERY_LENGTH characters, without NULs (which
    PostgreSQL rejects) or sentinels, whitespace collapsed."""
    text = (raw or "")[:MAX_QUERY_LENGTH]
    text = text.replace("\x00", " ").replace(START_SEL, " ").replace(STOP_SEL, " ")
    return " ".join(text.split())


def query_terms(query):
    """The distinct folded words of ``query``, longest first, at most MAX_QUERY_TERMS."""
    terms = []
    for word in fold(query).split():
        if word not in terms:
            terms.append(word)
    return sorted(terms[:MAX_QUERY_TERMS], key=len, reverse=True)


def _contains_all(field, terms):
    condition = Q()
    for term in terms:
        condition &= Q(**{f"{field}__contains": term})
    return condition


def search_articles(query):
    """Published articles matching ``query``, best first; on PostgreSQL each carries
    ``title_headline`` and ``snippet_headline`` (source text with sentinel markers)."""
    terms = query_terms(query)
    articles = Article.objects.published().select_related("section").prefetch_related("authors")
    if not terms:
        return articles.none()
    substring = _contains_all("search_document", terms)
    if connection.vendor != "postgresql":
        return articles.filter(substring).order_by("-published_at", "-pk")

    ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    # The weighted document (title A, standfirst B, body C), stored and indexed by the
    # database (migration 0010): read, never computed per row.
    vector = RawSQL('"news_article"."search_vector"', [], output_field=SearchVectorField())
    markers = {"config": SEARCH_CONFIG, "start_sel": START_SEL, "stop_sel": STOP_SEL}
    return (
        articles.annotate(document=vector)
        .filter(Q(document=ts_query) | substring)
        .annotate(
            rank=SearchRank(vector, ts_query),
            title_headline=SearchHeadline("title", ts_query, highlight_all=True, **markers),
            snippet_headline=SearchHeadline(
                Concat("standfirst", Value("\n\n"), _without_shortcodes("body"), output_field=TextField()),
                ts_query,
                max_words=40,
                min_words=20,
                max_fragments=2,
                **markers,
            ),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def _without_shortcodes(field_name):
    """SQL for the Markdown in ``field_name`` without its shortcode lines."""
    pattern = Value(SHORTCODE_LINE_SQL)
    return Func(
        F(field_name), pattern, Value(""), Value("gn"), function="REGEXP_REPLACE", output_field=TextField()
    )


def search_athletes(query, *, limit=12):
    """Athletes whose folded name contains every word of ``query``, by name."""
    terms = query_terms(query)
    if not terms:
        return []
    return list(Athlete.objects.for_listing().filter(_contains_all("name_folded", terms))[:limit])


def mark_sentinels(text):
    """Escape ``text`` and turn its sentinel pairs into <mark> elements (always balanced)."""
    out = []
    inside = False
    for piece in _SENTINELS.split(text or ""):
        if piece == START_SEL:
            if not inside:
                out.append("<mark>")
                inside = True
        elif piece == STOP_SEL:
            if inside:
                out.append("</mark>")
                inside = False
        elif piece:
            out.append(escape(piece))
    if inside:
        out.append("</mark>")
    # Safe: every piece of source text above went through escape().
    return mark_safe("".join(out))  # noqa: S308


def highlight(text, terms, *, width=None):
    """``text`` escaped, with each occurrence of the folded ``terms`` in <mark>; with
    ``width``, only about that many characters around the first match."""
    text = _SENTINELS.sub("", text or "")
    folded, index = [], []
    for position, char in enumerate(text):
        folded_char = fold(char)
        folded.append(folded_char)
        index.extend([position] * len(folded_char))
    folded = "".join(folded)

    spans = []
    for term in terms:
        start = folded.find(term)
        while term and start != -1:
            spans.append((index[start], index[start + len(term) - 1] + 1))
            start = folded.find(term, start + len(term))
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))

    begin, end = 0, len(text)
    if width and len(text) > width:
        first = merged[0][0] if merged else 0
        begin = max(0, first - width // 3)
        if begin:
            # Start on a word boundary.
            space = text.find(" ", begin)
            begin = space + 1 if 0 <= space < first else begin
        end = min(len(text), begin + width)
        if end < len(text):
            space = text.rfind(" ", begin, end)
            end = space if space > begin else end

    pieces, cursor = [], begin
    for start, stop in merged:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        pieces += [text[cursor:start], START_SEL, text[start:stop], STOP_SEL]
        cursor = stop
    pieces.append(text[cursor:end])
    marked = "".join(pieces)
    if begin > 0:
        marked = "… " + marked
    if end < len(text):
        marked += " …"
    return mark_sentinels(marked)


def plain_text(article):
    """The article's standfirst and body as plain text (for a search snippet)."""
    return f"{article.standfirst}\n\n{html.unescape(strip_tags(article.body_html))}"
