"""Demo news content: Podium's founding article about Josh Kerr, two short staff reports
with results in them (the Paris 2024 1500 m final; Farah's two-mile indoor best, beaten
since), and their loader.

The body is ``demo/kerr-article.txt`` verbatim, one paragraph per line; its last line,
"ADD A COMMENT :", marks where the comment form goes and is not body text. The headline,
standfirst and caption are ours and say nothing the verified facts do not support.

Like the athletics loader, this only creates what is missing, matched by slug, and never
updates or deletes. An existing article keeps its image: none is drawn again.
"""

import datetime
import re
from collections import Counter
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.db.models import Q

from athletics.demo_data import RECORDS, get_or_create_missing
from athletics.models import Athlete, CompetitionEdition, Record

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


# Two short staff reports of our own, written only from the verified facts, to show
# results in stories: each "{record:<key>}" is the number of the demo record of that key
# (athletics.demo_data.RECORDS), found when loading; a line whose record is missing (an
# editor deleted it) is left out rather than saved broken.
REPORTS = [
    {
        "slug": "hocker-wins-olympic-1500-m-kerr-silver-in-british-record",
        "title": "Hocker wins the Olympic 1500 m in Paris; Kerr takes silver in a British record",
        "standfirst": (
            "Cole Hocker won the Olympic title in an Olympic record of 3:27.65. Josh Kerr ran 3:27.79 "
            "for silver, and Jakob Ingebrigtsen finished fourth."
        ),
        "published_at": datetime.datetime(2024, 8, 6, 22, 0, tzinfo=datetime.UTC),
        "body": [
            "Cole Hocker of the United States won the men's 1500 m final at the Olympic Games in Paris "
            "on 6 August 2024 in 3:27.65, an Olympic record.",
            "Josh Kerr took silver in 3:27.79, a British record. Yared Nuguse won bronze in 3:27.80, and "
            "Jakob Ingebrigtsen, the Olympic champion from Tokyo 2020, finished fourth in 3:28.24.",
            "[[results olympic-games-paris-2024 1500-m]]",
            "Hocker's time beat the Olympic record of 3:28.32 that Ingebrigtsen set in the Tokyo final.",
            "[[record {record:1500-m-or-hocker}]]",
            "## Kerr and Ingebrigtsen",
            "A year earlier Kerr won the world title in Budapest in 3:29.38, with Ingebrigtsen second "
            "in 3:29.65. In Paris he finished ahead of him again.",
            "[[h2h josh-kerr jakob-ingebrigtsen]]",
            "[[athlete josh-kerr]]",
        ],
        "tags": ["1500-m", "paris-2024"],
        "athletes": ["cole-hocker", "josh-kerr", "yared-nuguse", "jakob-ingebrigtsen"],
        "editions": ["olympic-games-paris-2024"],
        "records": ["1500-m-or-hocker", "1500-m-nr-gbr-kerr"],
    },
    {
        "slug": "farah-sets-two-mile-world-indoor-best-in-birmingham",
        "title": "Farah sets a two-mile world indoor best in Birmingham",
        "standfirst": "Mo Farah ran two miles in 8:03.40 in Birmingham, a world indoor best.",
        "published_at": datetime.datetime(2015, 2, 21, 20, 0, tzinfo=datetime.UTC),
        "body": [
            "Mo Farah ran two miles in 8:03.40 in Birmingham on 21 February 2015, a world indoor best "
            "for the distance.",
            "Two miles is not an official world-record event, so the mark is a world indoor best rather "
            "than a world record.",
            "[[record {record:two-miles-wib-farah}]]",
            "Farah won the Olympic 5000 m and 10,000 m titles in London in 2012.",
        ],
        "tags": [],
        "athletes": ["mo-farah"],
        "editions": [],
        "records": ["two-miles-wib-farah"],
    },
]
RECORD_REFERENCE = re.compile(r"\{record:([a-z0-9-]+)\}")


def demo_records():
    """``{key: Record}`` of the demo records still on file, matched as the athletics loader
    matches them (scope, holder and year)."""
    found = {}
    for data in RECORDS:
        lookup = {
            "kind": data["kind"],
            "discipline__slug": data["discipline"],
            "athlete__slug": data["athlete"],
            "year": data["year"],
        }
        record = Record.objects.filter(**lookup).first()
        if record is not None:
            found[data["key"]] = record
    return found


def report_body(lines, records):
    """A report's Markdown: its paragraphs, each "{record:<key>}" replaced by that record's
    number, and a line naming a record not on file left out."""
    kept = []
    for line in lines:
        keys = RECORD_REFERENCE.findall(line)
        if any(key not in records for key in keys):
            continue
        kept.append(RECORD_REFERENCE.sub(lambda match: str(records[match.group(1)].pk), line))
    return "\n\n".join(kept)


def load_reports(*, section, author, created):
    """Create the missing staff reports (matched by slug; an existing one is never changed)."""
    records = demo_records()
    for data in REPORTS:
        if Article.objects.filter(slug=data["slug"]).exists():
            continue
        article = Article.objects.create(
            slug=data["slug"],
            title=data["title"],
            standfirst=data["standfirst"],
            body=report_body(data["body"], records),
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=data["published_at"],
        )
        # Not "Updated" on the day the demo was loaded (updated_at is auto_now).
        Article.objects.filter(pk=article.pk).update(updated_at=data["published_at"])
        article.tags.set(Tag.objects.filter(slug__in=data["tags"]))
        article.authors.set([author])
        article.athletes.set(Athlete.objects.filter(slug__in=data["athletes"]))
        article.editions.set(CompetitionEdition.objects.filter(slug__in=data["editions"]))
        article.records.set([records[key] for key in data["records"] if key in records])
        created[Article] += 1


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
    load_reports(section=section, author=author, created=created)

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
