"""Where content changes, the generations of what was cached from it are bumped
(``config.caching``). Connected once, from ``news.apps.NewsConfig.ready``.

- articles, sections, tags, authors, and the article's tags, authors, athletes and
  championships: ``news``;
- sports, countries, disciplines, competitions, championships, athletes (and their
  events), results and records: ``athletics``;
- a comment: ``comments:<its article>`` — only when the article's readers can see the
  change (a new comment held for moderation or caught as spam changes no page).

Writes that skip model signals bump explicitly: ``rows_updated()`` after a
``QuerySet.update()`` (the admin's bulk actions), ``athletics.services.record_create``,
and ``caching.bump_all()`` after bulk loads (``load_demo``, ``generate_bench_data``).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import caching

_BEFORE = {"pre_add", "pre_remove", "pre_clear"}


def _news(sender, action=None, **kwargs):
    if action not in _BEFORE:  # a many-to-many change bumps once it is done
        caching.bump(caching.NEWS)


def _athletics(sender, action=None, **kwargs):
    if action not in _BEFORE:
        caching.bump(caching.ATHLETICS)


def _comment_saved(sender, instance, created=False, **kwargs):
    from news.models import Comment

    if created and instance.status != Comment.Status.APPROVED:
        return
    caching.bump(caching.comments(instance.article_id))


def _comment_deleted(sender, instance, **kwargs):
    caching.bump(caching.comments(instance.article_id))


def rows_updated(model, pks):
    """Bump what rows ``pks`` of ``model``, changed by ``QuerySet.update()``, were shown in."""
    from news.models import Comment

    pks = list(pks)
    if not pks:
        return
    if model is Comment:
        article_ids = Comment.objects.filter(pk__in=pks).values_list("article_id", flat=True).distinct()
        caching.bump(*(caching.comments(article_id) for article_id in article_ids))
        return
    scope = _scope_of(model)
    if scope is not None:
        caching.bump(scope)


def _scope_of(model):
    from athletics import models as athletics
    from news import models as news

    if model in (news.Article, news.Section, news.Tag, news.Author):
        return caching.NEWS
    if model in _athletics_models(athletics):
        return caching.ATHLETICS
    return None


def _athletics_models(athletics):
    return (
        athletics.Sport,
        athletics.Country,
        athletics.Discipline,
        athletics.Competition,
        athletics.CompetitionEdition,
        athletics.Athlete,
        athletics.Result,
        athletics.Record,
    )


def connect():
    from athletics import models as athletics
    from news import models as news

    for model in (news.Article, news.Section, news.Tag, news.Author):
        post_save.connect(_news, sender=model, dispatch_uid=f"caching-save-{model._meta.label}")
        post_delete.connect(_news, sender=model, dispatch_uid=f"caching-delete-{model._meta.label}")
    for field in ("tags", "authors", "athletes", "editions"):
        through = getattr(news.Article, field).through
        m2m_changed.connect(_news, sender=through, dispatch_uid=f"caching-m2m-{through._meta.label}")
    for model in _athletics_models(athletics):
        post_save.connect(_athletics, sender=model, dispatch_uid=f"caching-save-{model._meta.label}")
        post_delete.connect(_athletics, sender=model, dispatch_uid=f"caching-delete-{model._meta.label}")
    through = athletics.Athlete.disciplines.through
    m2m_changed.connect(_athletics, sender=through, dispatch_uid=f"caching-m2m-{through._meta.label}")
    post_save.connect(_comment_saved, sender=news.Comment, dispatch_uid="caching-save-comment")
    post_delete.connect(_comment_deleted, sender=news.Comment, dispatch_uid="caching-delete-comment")
