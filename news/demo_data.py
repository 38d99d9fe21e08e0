"""Demo news content: Podium's founding article about Josh Kerr, and its loader.

The body is ``demo/kerr-article.txt`` verbatim, one paragraph per line; its last line,
"ADD A COMMENT :", marks where the comment form goes and is not body text. The headline,
standfirst and caption are ours and say nothing the verified facts do not support.

Like the athletics loader, this only creates what is missing, matched by slug, and never
updates or deletes. An existing article keeps its image: none is drawn again.
"""

import datetime
from collections import Counter
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.db.models import Q

from athletics.demo_data import get_or_create_missing
from athletics.models import Athlete, CompetitionEdition

from .demo.hero import hero_jpeg
from .models import Article, Author, Section, Tag

ARTICLE_TEXT = Path(__file__).resolve().parent / "demo" / "kerr-article.txt"
COMMENT_FORM_MARKER = "ADD A COMMENT :"

SECTION = {
    "name": "Athletics",
    "slug": "athletics",
    "description": "Track and field: news, results and records.",
}
TAGS = [
    ("1500 m", "1500-m"),
    ("World Indoor Championships", "world-indoor-championships"),
    ("Paris 2024", "paris-2024"),
]
AUTHOR = {
    "name": "Podium staff",
    "slug": "podium-staff",
    "bio": "Reporting by the Podium newsroom.",
    "is_organization": True,  # the newsroom's byline: an Organization in JSON-LD
}

ARTICLE = {
    "slug": "josh-kerr-world-champion-plan-for-paris",
    "title": "Josh Kerr: the world champion with a plan for Paris",
    "standfirst": (
        "Six months after his 1500 m world title in Budapest, the Scot heads to the World "
        "Indoor Championships in Glasgow with his tactics for Paris already mapped out."
    ),
    "published_at": datetime.datetime(2024, 2, 20, 9, 0, tzinfo=datetime.UTC),
    "hero_alt": (
        "Illustration of a terracotta running track seen from above, its eight lanes curving "
        "round a bend on a deep navy ground, with lane numbers 1 to 8 painted before a white finish line."
    ),
    "hero_caption": "Eight lanes and one finish line: Kerr has already mapped out his tactics for Paris.",
    "hero_credit": "Illustration: Podium",
    "hero_filename": "josh-kerr-track-illustration.jpg",
    "athletes": ["josh-kerr", "jakob-ingebrigtsen", "mo-farah"],
    "editions": [
        "world-championships-budapest-2023",
        "world-indoor-championships-glasgow-2024",
        "olympic-games-paris-2024",
    ],
}


def article_paragraphs():
    """The founding article's paragraphs: the text file's lines, without the comment-form marker."""
    lines = ARTICLE_TEXT.read_text(encoding="utf-8").splitlines()
    if lines and lines[-1].strip() == COMMENT_FORM_MARKER:
        lines = lines[:-1]
    return [line.strip() for line in lines if line.strip()]


def article_body():
    """The body as Markdown: one paragraph per line of the text, a blank line between them.

    The text has no Markdown syntax in it (no leading numbers or markers, no * _ ` [ < #),
    so it renders verbatim; a test checks that it still does.
    """
    return "\n\n".join(article_paragraphs())


def load_news_demo():
    """Create the missing demo news rows; return a Counter of rows created per model.

    Run after the athletics loader: the article links demo athletes and editions (any an
    editor has removed are simply not linked).
    """
    created = Counter()
    section = get_or_create_missing(
        Section,
        created,
        # Name and slug are both unique: match either, so a renamed slug is not re-created.
        lookup=Q(slug=SECTION["slug"]) | Q(name=SECTION["name"]),
        defaults=SECTION,
    )
    tags = [
        get_or_create_missing(
            Tag, created, lookup=Q(slug=slug) | Q(name=name), defaults={"name": name, "slug": slug}
        )
        for name, slug in TAGS
    ]
    author = get_or_create_missing(Author, created, lookup={"slug": AUTHOR["slug"]}, defaults=AUTHOR)

    if Article.objects.filter(slug=ARTICLE["slug"]).exists():
        return created
    article = Article(
        slug=ARTICLE["slug"],
        title=ARTICLE["title"],
        standfirst=ARTICLE["standfirst"],
        body=article_body(),
        hero_alt=ARTICLE["hero_alt"],
        hero_caption=ARTICLE["hero_caption"],
        hero_credit=ARTICLE["hero_credit"],
        section=section,
        status=Article.Status.PUBLISHED,
        published_at=ARTICLE["published_at"],
        is_featured=True,
        comments_open=True,
    )
    hero = ContentFile(hero_jpeg())
    article.hero_image.save(ARTICLE["hero_filename"], hero, save=False)
    # FieldFile.save() leaves the dimension columns empty; without them every page that
    # loads the article opens the image file to measure it (and fails if media is missing).
    article.hero_width, article.hero_height = get_image_dimensions(hero)
    try:
        article.save()
    except Exception:
        article.hero_image.delete(save=False)  # no orphan file when the row is not written
        raise
    # updated_at is auto_now; the article has not changed since publication, and readers
    # should not see an "Updated" line dated the day the demo was loaded.
    Article.objects.filter(pk=article.pk).update(updated_at=ARTICLE["published_at"])
    article.tags.set(tags)
    article.authors.set([author])
    article.athletes.set(Athlete.objects.filter(slug__in=ARTICLE["athletes"]))
    article.editions.set(CompetitionEdition.objects.filter(slug__in=ARTICLE["editions"]))
    created[Article] += 1
    return created
