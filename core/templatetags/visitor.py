"""``{% visitor "name" %}``: a per-visitor hole in a page (``core.cache``). It renders a
marker that ``core.cache.VisitorMiddleware`` replaces on every response with this visitor's
own part (the CSRF token, messages…), so the rest of the page can be shared.
``{% visitor "name" argument %}`` passes one argument (an id, a slug) to the hole's function:
``{% visitor "rendered_at" article.pk %}``."""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def visitor(name, argument=None):
    # A fixed HTML comment: escaped text (a fan's comment) can never contain "<", and staff
    # Markdown has its HTML comments removed (news.markdown), so only this tag makes one.
    # The argument is word characters and "-" only: it can never end the marker early.
    if argument is None:
        return mark_safe(f"<!--visitor:{name}-->")  # noqa: S308
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(argument)):
        raise ValueError(f"A visitor hole's argument is letters, digits, '_' and '-' only: {argument!r}")
    return mark_safe(f"<!--visitor:{name}:{argument}-->")  # noqa: S308
