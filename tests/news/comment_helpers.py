"""Shared helpers for the comment tests: a valid form post, signed as if rendered earlier
(no test waits the real 2 seconds)."""

import re
import time

from django.core import signing

from news.forms import RENDERED_AT_SALT


def signed_render_time(seconds_ago=10):
    """The form's ``rendered_at`` token for a page rendered ``seconds_ago`` seconds ago."""
    return signing.TimestampSigner(salt=RENDERED_AT_SALT).sign(str(int(time.time() - seconds_ago)))


def comment_data(**overrides):
    """A valid comment post; keyword arguments replace or add fields."""
    data = {
        "name": "Ana",
        "body": "What a race in Budapest.",
        "email": "",
        "parent": "",
        "website": "",
        "rendered_at": signed_render_time(),
    }
    data.update(overrides)
    return data


def field_errors(html, field):
    """The error messages shown next to ``field`` of the comment form."""
    match = re.search(rf'<ul class="errorlist" id="comment-{field}-errors">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []
