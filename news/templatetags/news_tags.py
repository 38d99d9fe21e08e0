"""Template helpers for the news pages."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from news.images import srcset_for

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


# Attributes passed through to <img> by responsive_image, in this order.
_IMG_ATTRIBUTES = ("class", "loading", "decoding", "fetchpriority")


@register.simple_tag
def responsive_image(image, width, height, *, alt, sizes="100vw", **attributes):
    """An <img> of the uploaded ``image`` (a FieldFile) whose stored dimensions are
    ``width`` × ``height``: ``src``, ``srcset`` and ``sizes`` from its WebP renditions,
    with ``width`` and ``height`` set so the page does not shift while it loads.

    Without stored dimensions it falls back to the original file alone. Only names and
    numbers already on the row are used: no disk access, no query. Extra keyword
    arguments (class, loading, decoding, fetchpriority) become attributes.
    """
    if not image:
        return ""
    extra = format_html_join(
        "", ' {}="{}"', ((name, attributes[name]) for name in _IMG_ATTRIBUTES if attributes.get(name))
    )
    rendition = srcset_for(image, width, height)
    if rendition is None:
        return format_html('<img src="{}" alt="{}"{}>', image.url, alt or "", extra)
    return format_html(
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"{}>',
        rendition["src"],
        rendition["srcset"],
        sizes,
        rendition["width"],
        rendition["height"],
        alt or "",
        extra,
    )
