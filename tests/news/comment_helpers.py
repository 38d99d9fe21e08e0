"""Shared helpers for the comment tests: a valid form post, signed as if rendered earlier
(no test waits the real 2 seconds)."""

import re
import time

from news.forms import rendered_at_token


def signed_render_time(article, seconds_ago=10):
    """The ``rendered_at`` token of ``article``'s form, rendered ``seconds_ago`` seconds ago."""
    return rendered_at_token(article.pk, at=time.time() - seconds_ago)


def comment_data(article, /, **overrides):
    """A valid comment post to ``article``; keyword arguments replace or add fields."""
    data = {
        "name": "Ana",
        "body": "What a race in Budapest.",
        "email": "",
        "parent": "",
        "website": "",
        "rendered_at": signed_render_time(article),
    }
    data.update(overrides)
    return data


def field_errors(html, field):
    """The error messages shown next to ``field`` of the comment form."""
    match = re.search(rf'<ul class="errorlist" id="comment-{field}-errors">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []
