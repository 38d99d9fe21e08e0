"""Template helpers for the news pages."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The characters that could end a <script> element or open a comment inside it.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """``data`` as a JSON-LD <script>, with <, > and & escaped so no value can close it."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    # Safe: json.dumps quoted every value and the only characters that matter inside a
    # <script> element (<, >, &) are now \u escapes.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.filter
def absolute(url):
    """``url`` (a path) as an absolute URL on SITE_URL; absolute URLs pass unchanged."""
    url = str(url or "")
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url}"
