"""A valid "Report an error" post, signed as if the form was rendered a while ago (no test
waits the real 2 seconds)."""

import time

from corrections.forms import report_token


def report_url(article):
    return f"/news/{article.slug}/report-error/"


def report_data(article, /, seconds_ago=10, **overrides):
    """A valid report of ``article``; keyword arguments replace or add fields."""
    data = {
        "description": "The second paragraph gives the wrong championship year.",
        "source_url": "https://worldathletics.org/results",
        "email": "reader@example.com",
        "website": "",
        "form_token": report_token(article.pk, at=time.time() - seconds_ago),
    }
    data.update(overrides)
    return data
