"""Responsive images: every article and athlete image on the reader pages is an
<img src srcset sizes width height alt> built from the WebP renditions written at save,
without touching the disk or the database while the page renders."""

import re
from http import HTTPStatus

import factory
import pytest
from django.core.files.storage import FileSystemStorage
from django.template import Context, Template

from athletics.models import Athlete
from news.models import Article
from news.templatetags.news_tags import responsive_image
from tests.athletics.factories import AthleteFactory, ResultFactory

from .factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

IMG = re.compile(r"<img\b[^>]*>")


def images(html):
    """Every <img> of ``html`` as a dict of its attributes."""
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in IMG.findall(html)]


def image_with(html, needle):
    found = [img for img in images(html) if needle in img.get("src", "")]
    assert found, f"no <img> with {needle!r} in its src"
    return found[0]


def assert_responsive(img, media_root, *, widths):
    """``img`` offers exactly ``widths`` as WebP renditions that exist, with its size set."""
    offered = [entry.rsplit(" ", 1) for entry in img["srcset"].split(", ")]
    assert [int(w[:-1]) for _, w in offered] == widths
    for url, _ in offered:
        assert url.startswith("/media/renditions/") and url.endswith(".webp")
        assert (media_root / url.removeprefix("/media/")).exists(), url
    assert img["src"] == offered[-1][0]
    assert img["sizes"] and img["width"] and img["height"]
    assert img["alt"]


def photo_athlete(**kwargs):
    return AthleteFactory(
        photo=factory.django.ImageField(width=900, height=1200, color="teal", filename="portrait.jpg"),
        photo_alt="Josh Kerr after the final",
        photo_credit="Podium",
        is_featured=True,
        **kwargs,
    )


# ---------- The tag ----------


def test_tag_builds_srcset_sizes_and_dimensions_from_the_stored_size():
    article = Article(hero_image="articles/2024/02/hero.jpg", hero_width=1600, hero_height=900)
    html = responsive_image(
        article.hero_image,
        article.hero_width,
        article.hero_height,
        alt="A track",
        sizes="50vw",
        **{"class": "x"},
    )
    assert html == (
        '<img src="/media/renditions/articles/2024/02/hero-1200w.webp" '
        'srcset="/media/renditions/articles/2024/02/hero-480w.webp 480w, '
        "/media/renditions/articles/2024/02/hero-960w.webp 960w, "
        '/media/renditions/articles/2024/02/hero-1200w.webp 1200w" '
        'sizes="50vw" width="1200" height="675" alt="A track" class="x">'
    )


def test_small_images_are_never_upscaled():
    article = Article(hero_image="articles/small.png", hero_width=300, hero_height=200)
    img = images(responsive_image(article.hero_image, 300, 200, alt="Small"))[0]
    assert img["srcset"] == "/media/renditions/articles/small-300w.webp 300w"
    assert (img["width"], img["height"]) == ("300", "200")


def test_without_stored_dimensions_the_original_file_is_used():
    # (A model instance without stored dimensions would read them from the file when
    # loaded; the fallback covers rows whose dimensions were lost or never written.)
    article = Article(hero_image="articles/legacy.jpg", hero_width=1, hero_height=1)
    img = images(responsive_image(article.hero_image, None, None, alt="Legacy"))[0]
    assert img == {"src": "/media/articles/legacy.jpg", "alt": "Legacy"}


def test_no_image_renders_nothing():
    assert responsive_image(Article().hero_image, None, None, alt="x") == ""


def test_alt_and_attributes_are_escaped():
    article = Article(hero_image="articles/a.jpg", hero_width=800, hero_height=450)
    html = responsive_image(article.hero_image, 800, 450, alt='"><script>', loading='lazy" onload="x')
    assert "<script>" not in html and 'onload="x' not in html
    assert 'alt="&quot;&gt;&lt;script&gt;"' in html


def test_template_tag_renders_without_disk_or_database(monkeypatch, django_assert_num_queries):
    # The file does not exist anywhere: any disk access would fail.
    for method in ("open", "exists", "size", "path"):
        monkeypatch.setattr(
            FileSystemStorage, method, lambda *a, **k: pytest.fail("disk accessed while rendering")
        )
    article = Article(hero_image="articles/nowhere.jpg", hero_width=2000, hero_height=1000, hero_alt="Alt")
    template = Template(
        "{% load news_tags %}{% responsive_image a.hero_image a.hero_width a.hero_height"
        ' alt=a.hero_alt sizes="100vw" class="card__media" loading="lazy" %}'
    )
    with django_assert_num_queries(0):
        html = template.render(Context({"a": article}))
    assert 'srcset="/media/renditions/articles/nowhere-480w.webp 480w' in html
    assert 'width="1200" height="600"' in html and 'class="card__media" loading="lazy"' in html


# ---------- The pages ----------


@pytest.fixture
def illustrated(db):
    section = SectionFactory()
    lead = ArticleFactory(title="Lead story", with_hero=True, is_featured=True, section=section)
    card = ArticleFactory(title="Card story", with_hero=True, section=section)
    return lead, card


def test_article_hero_is_responsive(client, illustrated, settings):
    lead, _ = illustrated
    html = client.get(lead.get_absolute_url()).text
    img = image_with(html, "renditions/" + lead.hero_image.name.rsplit(".", 1)[0])
    assert_responsive(img, settings.MEDIA_ROOT, widths=[480, 960, 1200])
    assert (img["width"], img["height"]) == ("1200", "675")
    assert img["alt"] == "An illustrated running track"
    assert img["fetchpriority"] == "high"


def test_home_lead_story_and_cards_are_responsive(client, illustrated, settings):
    lead, card = illustrated
    html = client.get("/").text
    lead_img = image_with(html, lead.hero_image.name.rsplit(".", 1)[0])
    assert lead_img["class"] == "lead-story__media"
    assert_responsive(lead_img, settings.MEDIA_ROOT, widths=[480, 960, 1200])
    card_img = image_with(html, card.hero_image.name.rsplit(".", 1)[0])
    assert card_img["class"] == "card__media" and card_img["loading"] == "lazy"
    assert_responsive(card_img, settings.MEDIA_ROOT, widths=[480, 960, 1200])


def test_article_list_images_are_responsive(client, illustrated, settings):
    html = client.get("/news/").text
    listed = [img for img in images(html) if img.get("class") == "article-list__media"]
    assert len(listed) == 2
    for img in listed:
        assert_responsive(img, settings.MEDIA_ROOT, widths=[480, 960, 1200])


def test_athlete_card_and_profile_photos_are_responsive(client, settings):
    athlete = photo_athlete()
    ResultFactory(athlete=athlete)
    stem = athlete.photo.name.rsplit(".", 1)[0]

    card = image_with(client.get("/").text, stem)
    assert card["class"] == "athlete-card__photo" and card["sizes"] == "4rem"
    assert_responsive(card, settings.MEDIA_ROOT, widths=[480, 900])
    assert (card["width"], card["height"]) == ("900", "1200")
    assert card["alt"] == "Josh Kerr after the final"

    profile = image_with(client.get(athlete.get_absolute_url()).text, stem)
    assert profile["class"] == "profile-header__photo" and profile["sizes"] == "9rem"
    assert_responsive(profile, settings.MEDIA_ROOT, widths=[480, 900])


def test_athlete_in_article_sidebar_uses_renditions(client, settings):
    athlete = photo_athlete()
    article = ArticleFactory(athletes=[athlete])
    card = image_with(client.get(article.get_absolute_url()).text, athlete.photo.name.rsplit(".", 1)[0])
    assert_responsive(card, settings.MEDIA_ROOT, widths=[480, 900])


def test_pages_with_images_keep_their_query_budgets(client, illustrated, django_assert_max_num_queries):
    from .test_queries import ARTICLE_BUDGET, HOME_BUDGET, LIST_BUDGET

    for _ in range(5):
        photo_athlete()
    lead, _ = illustrated
    Athlete.objects.update(is_featured=True)
    lead.athletes.set(Athlete.objects.all())
    for url, budget in (
        ("/", HOME_BUDGET),
        ("/news/", LIST_BUDGET),
        (lead.get_absolute_url(), ARTICLE_BUDGET),
    ):
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == HTTPStatus.OK
