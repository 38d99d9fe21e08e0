import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from news.models import Article, Author, Comment, Section, Tag

# The article form's inline formsets (corrections), empty: what the admin posts with no inline rows.
ARTICLE_INLINES = {"corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0"}


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = "Athletics"
    slug = "athletics"


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class AuthorFactory(DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ("slug",)

    name = "Podium staff"
    slug = "podium-staff"
    # The newsroom's byline is an organisation; a named writer is a person.
    is_organization = factory.LazyAttribute(lambda author: author.slug == "podium-staff")


class ArticleFactory(DjangoModelFactory):
    """A published article by default; pass status/published_at for drafts and schedules."""

    class Meta:
        model = Article
        # The post-generation hooks only add many-to-many rows: no second save needed.
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    standfirst = "A standfirst that sells the story."
    body = "First paragraph.\n\nSecond paragraph."
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    class Params:
        with_hero = factory.Trait(
            hero_image=factory.django.ImageField(width=1200, height=675, color="navy", filename="hero.jpg"),
            hero_alt="An illustrated running track",
            hero_caption="The track in Budapest.",
            hero_credit="Illustration: Podium",
        )

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        self.authors.add(*(extracted if extracted is not None else [AuthorFactory()]))

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def athletes(self, create, extracted, **kwargs):
        if create and extracted:
            self.athletes.add(*extracted)

    @factory.post_generation
    def editions(self, create, extracted, **kwargs):
        if create and extracted:
            self.editions.add(*extracted)


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    name = factory.Sequence(lambda n: f"Fan {n}")
    body = "Great race."
    status = Comment.Status.APPROVED
