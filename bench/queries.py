"""Queries per request, counted in-process: ``python -m bench.queries URL…`` prints JSON.

Run by the bench runner with the bench's settings and database (DJANGO_SETTINGS_MODULE=
bench.settings): each URL is requested twice through Django's test client, each time
without cookies (like wrk), inside ``CaptureQueriesContext``. The first count
is a cold cache, the second a warm one (what the bench's steady state serves). Then three
more warm requests are timed: the median is what one request costs with no concurrency,
which still says something when a page is too slow for wrk to finish many requests.
"""

import json
import statistics
import sys
import time

import django


def count_queries(urls, host="127.0.0.1"):
    """``{url: {"status", "cold", "warm", "ms", "sql"}}`` for each URL (``sql``: the warm queries)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # One client (a new one builds the middleware chain again: whitenoise alone scans
    # every static file), its cookies dropped before each request.
    client = Client(HTTP_HOST=host, raise_request_exception=False)

    def get(url):
        client.cookies.clear()
        return client.get(url)

    counts = {}
    for url in urls:
        runs = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = get(url)
            runs.append((response.status_code, captured.captured_queries))
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            get(url)
            timings.append((time.perf_counter() - started) * 1000)
        counts[url] = {
            "ms": round(statistics.median(timings), 2),
            "status": runs[1][0],
            "cold": len(runs[0][1]),
            "warm": len(runs[1][1]),
            "sql": [query["sql"][:300] for query in runs[1][1]],
        }
    return counts


if __name__ == "__main__":
    django.setup()
    json.dump(count_queries(sys.argv[1:]), sys.stdout)
