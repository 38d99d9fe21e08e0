"""``{% visitor "name" %}``: a per-visitor hole in a page (``core.cache``). It renders a
marker that ``core.cache.VisitorMiddleware`` replaces on every response with this visitor's
own part (the CSRF token, messages…), so the rest of the page can be shared."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def visitor(name):
    # A fixed HTML comment: escaped text (a fan's comment) can never contain "<", and staff
    # Markdown has its HTML comments removed (news.markdown), so only this tag makes one.
    return mark_safe(f"<!--visitor:{name}-->")  # noqa: S308
