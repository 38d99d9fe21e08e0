"""The anti-bot token of a form on an article page (the comment form's ``rendered_at``, the
report form's ``form_token``): ``"<article pk>:<Unix time>"`` signed with the form's own salt,
saying which article's page the form came from and when that page was built. The page is
cached and shared, so the token reaches it through a ``{% visitor %}`` hole (core.cache)."""

import functools
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.template.defaultfilters import pluralize


def signed_moment(salt, article_pk, *, at=None):
    """The token for article ``article_pk`` at ``at`` (now by default). Signed once per
    second, article and form: every visitor in that second is given the same token, as it
    says when the page was built, not for whom."""
    at = time.time() if at is None else at
    return _sign(settings.SECRET_KEY, salt, f"{article_pk}:{int(at)}")


@functools.lru_cache(maxsize=256)
def _sign(key, salt, value):
    return signing.Signer(key=key, salt=salt).sign(value)


def read_moment(salt, token):
    """``(article pk as text, Unix time)`` of a token; BadSignature when it is missing,
    forged or malformed."""
    try:
        article_pk, at = signing.Signer(salt=salt).unsign(token).split(":")
        return article_pk, int(at)
    except ValueError:  # never for a token we signed: refused like a forged one all the same
        raise signing.BadSignature("malformed form token") from None


def check_moment(salt, token, article, *, what, again_from):
    """The Unix time of ``token`` when it was signed for ``article`` no longer than
    COMMENTS_FORM_MAX_AGE_HOURS ago (so a collected token cannot be replayed for ever); else a
    ValidationError saying which, about the fan's ``what`` ("comment") and, for another
    article's token, ``again_from`` (where to send it from)."""
    try:
        article_pk, at = read_moment(salt, token or "")
    except signing.BadSignature:
        raise forms.ValidationError(
            f"This form had expired or was changed on its way to us. Please send your {what} again.",
            code="rendered_at",
        ) from None
    if article_pk != str(article.pk):
        raise forms.ValidationError(
            f"This form was made for another article. Please send your {what} {again_from}.",
            code="rendered_at_article",
        )
    hours = settings.COMMENTS_FORM_MAX_AGE_HOURS
    if time.time() - at > hours * 60 * 60:
        raise forms.ValidationError(
            f"This form was open for more than {hours} hour{pluralize(hours)}. "
            f"Please send your {what} again.",
            code="rendered_at_expired",
        )
    return at
