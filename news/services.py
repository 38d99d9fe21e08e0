"""Writes that touch several news models; the admin and the views call these instead of
re-implementing them."""

from django.db import transaction

from .models import Article, ArticleRedirect


@transaction.atomic
def article_save(*, article: Article) -> ArticleRedirect | None:
    """Save ``article``; when the slug of a published article changes, keep its old URL
    working with a redirect, and return that redirect (None when no redirect was written).

    Every save of an article through the newsroom comes here, so a slug never changes
    silently. A slug that an article takes (new or renamed) stops being a redirect: the
    article wins over an old URL that happened to have the same slug.
    """
    before = None
    if article.pk is not None:
        before = (
            Article.objects.select_for_update()
            .only("slug", "status", "published_at")
            .filter(pk=article.pk)
            .first()
        )
    article.save()
    # The slug now names this article: an old URL with the same slug would shadow nothing
    # (articles are looked up first) but would be confusing in the admin and would come
    # back to life if this article were renamed again.
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()
    if before is None or before.slug == article.slug or not before.is_published:
        # Only a URL readers could reach needs to keep working; a draft's or a scheduled
        # article's old slug was never public.
        return None
    redirect, _ = ArticleRedirect.objects.update_or_create(
        old_slug=before.slug, defaults={"article": article}
    )
    return redirect
