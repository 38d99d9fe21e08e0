"""Query budgets of the reader pages (README, "Performance"), shared by the query tests.

Every page is measured twice: **cold**, with an empty cache (every cached fragment is
built: the uncached path, which must stay free of N+1 queries), and **warm**, the second
request, which is what readers get between two edits. Both are exact and do not grow
with the data; the issue's target is at most 8 queries per warm page.
"""

from http import HTTPStatus

from django.core.cache import cache

from core import cache as page_cache

# Cold budgets. Each starts with the generations of what the page shows (core.cache: the
# one query of a warm page) and includes the site header's sections.
# Home: lead (newest featured), latest, their authors, featured athletes, their medal
# counts, latest medallists, sections.
HOME_COLD = 8
# /news/: count, the page's rows (keys first), their authors, sections.
LIST_COLD = 5
# A section's, tag's or author's list: the subject as well.
SUBJECT_LIST_COLD = LIST_COLD + 1
# Article: article, authors, tags, corrections, athletes, editions, the athletes' medal
# counts, more on this story, its records (linked or embedded: "Since this story"), the
# page of comments, their replies, sections.
ARTICLE_COLD = 13
# Results in stories: finals, athletes, their head-to-head results, their medals (the
# records are read anyway), whatever the number of embeds or results.
EMBEDS_COLD = 4
# Without comments there are no replies to fetch.
ARTICLE_NO_COMMENTS_COLD = ARTICLE_COLD - 1
# With moderators' picks, the first page of comments shows them: one query (whatever the
# sort, and however many picks).
ARTICLE_WITH_PICKS_COLD = ARTICLE_COLD + 1
WARM = 1  # the generations of what the page shows: one indexed read (core.cache)

# Kept for the tests that import the old names: the most a page may cost.
HOME_BUDGET = HOME_COLD
LIST_BUDGET = SUBJECT_LIST_COLD
ARTICLE_BUDGET = ARTICLE_COLD


def cold_then_warm(client, django_assert_num_queries, url, cold, warm=WARM):
    """GET ``url`` with an empty cache (exactly ``cold`` queries) and again (exactly
    ``warm``); return both responses."""
    cache.clear()
    page_cache.local.clear()
    with django_assert_num_queries(cold):
        first = client.get(url)
    assert first.status_code == HTTPStatus.OK
    with django_assert_num_queries(warm):
        second = client.get(url)
    assert second.status_code == HTTPStatus.OK
    assert second.content == first.content or same_but_tokens(first, second)
    return first, second


def same_but_tokens(first, second):
    """Pages with a form differ only in the per-visitor parts (CSRF token, render time)."""
    import re

    strip = re.compile(rb'name="(?:csrfmiddlewaretoken|rendered_at|form_token)" value="[^"]*"')
    return strip.sub(b"", first.content) == strip.sub(b"", second.content)
