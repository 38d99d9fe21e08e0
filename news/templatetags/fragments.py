"""Cached template fragments (README, "Performance"; ``config.caching``).

``{% fragment page "name" %}…{% endfragment %}``
    The enclosed markup, rendered once per generation of ``page`` (a ``caching.Page``)
    and then served from the cache. It is rendered from ``page.context`` (plus SITE_NAME
    and SITE_URL) in a context of its own, never from the request's: no CSRF token,
    message, user or cookie can end up in the cache. Without a ``Page`` (``page`` is
    not one) the markup is rendered normally.

``{% live "template.html" %}``
    Inside a fragment, a hole: the template is rendered with the request's context on
    every response and put in its place (a report form's CSRF token). Outside a
    fragment, the same as ``{% include %}``.

``{% cached_include "template.html" scope="news" name=value … %}``
    An include rendered once per generation of ``scope`` (or of nothing but ``all``)
    from the given values only, kept in the process (site header and footer).
"""

from django import template
from django.conf import settings
from django.template.base import Node, TemplateSyntaxError, token_kwargs
from django.utils.safestring import mark_safe

from config import caching

register = template.Library()

# Set in a fragment's own context: the names of the {% live %} holes rendered so far.
_LIVE = "_fragment_live_holes"


def _marker(name):
    # Starts with "<": escaped text (a fan's comment) can never contain it, and Markdown
    # rendered by news.markdown has its HTML comments removed.
    return f"<!--live:{name}-->"


# Compiled hole templates, kept in the process (the engine's cached loader would find them
# too, but its lookup costs more than the small render). Not in DEBUG: templates change.
_TEMPLATES = {}


def _template(context, name):
    engine = context.template.engine
    if engine.debug:
        return engine.get_template(name)
    key = (id(engine), name)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = engine.get_template(name)
    return _TEMPLATES[key]


def _site_values():
    return {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}


def _render_isolated(renderable, context, values):
    """Render ``renderable`` (a node list or a template) from ``values`` alone, in a copy
    of ``context`` without its request or context processors' values; return the HTML
    and the names of the live holes in it."""
    holes = set()
    isolated = context.new({**_site_values(), **values, _LIVE: holes})
    isolated.request = None
    html = renderable.render(isolated)
    return str(html), tuple(sorted(holes))


def _fill(html, holes, context):
    """Put the request's rendering of each live hole into ``html`` (each hole rendered
    once per request, however many fragments have it)."""
    if not holes:
        return mark_safe(html)  # noqa: S308 (see below)
    request = context.get("request")
    memo = getattr(request, "_podium_live_holes", None)
    if memo is None:
        memo = {}
        if request is not None:
            request._podium_live_holes = memo
    for name in holes:
        if name not in memo:
            memo[name] = _template(context, name).render(context)
        html = html.replace(_marker(name), memo[name])
    # Safe: rendered by templates (autoescaped), cached verbatim.
    return mark_safe(html)  # noqa: S308


class FragmentNode(Node):
    def __init__(self, nodelist, page, name):
        self.nodelist = nodelist
        self.page = page
        self.name = name

    def render(self, context):
        page = self.page.resolve(context)
        if not isinstance(page, caching.Page):
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        html, holes = page.fragment(name, lambda: _render_isolated(self.nodelist, context, page.context))
        return _fill(html, holes, context)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 3:
        raise TemplateSyntaxError(f"{bits[0]} takes a page and a fragment name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))


class LiveNode(Node):
    def __init__(self, name):
        self.name = name

    def render(self, context):
        name = self.name.resolve(context)
        holes = context.get(_LIVE)
        if holes is not None:
            holes.add(name)
            return mark_safe(_marker(name))  # noqa: S308 (a fixed comment)
        return _template(context, name).render(context)


@register.tag
def live(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise TemplateSyntaxError(f"{bits[0]} takes a template name")
    return LiveNode(parser.compile_filter(bits[1]))


# Rendered includes kept in this process: (template, generations) -> (html, holes).
_INCLUDES = caching.Recent(32)


class CachedIncludeNode(Node):
    def __init__(self, name, scope, values):
        self.name = name
        self.scope = scope
        self.values = values

    def render(self, context):
        name = self.name.resolve(context)
        scopes = (self.scope.resolve(context),) if self.scope is not None else ()
        request = context.get("request")
        gens = caching.generations(*scopes, request=request)
        key = (name, tuple(sorted(gens.items())))
        kept = _INCLUDES.get(key)
        if kept is None:
            values = {key_: value.resolve(context) for key_, value in self.values.items()}
            kept = _render_isolated(context.template.engine.get_template(name), context, values)
            # The key carries the generations: a kept include is never stale.
            _INCLUDES.set(key, kept, None)
        return _fill(*kept, context)


@register.tag
def cached_include(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError(f"{bits[0]} takes a template name")
    values = token_kwargs(bits[2:], parser)
    if len(values) != len(bits) - 2:
        raise TemplateSyntaxError(f"{bits[0]} takes name=value arguments after the template name")
    scope = values.pop("scope", None)
    return CachedIncludeNode(parser.compile_filter(bits[1]), scope, values)
