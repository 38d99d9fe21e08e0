"""Template helpers for fans' comments."""

from django import template

from ..moderation import render_comment_text

register = template.Library()


@register.filter
def comment_text(text):
    """A fan's text escaped, with line breaks kept and web addresses linked (nofollow ugc)."""
    return render_comment_text(text)
