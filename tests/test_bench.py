"""The benchmark's own parts: wrk output parsing, the paired ratios, the floor view, the
bench settings, and generate_bench_data on tiny numbers."""

import importlib
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.test import override_settings

from athletics.models import MEDAL_FOR_POSITION, Athlete, Medal, Result
from bench import run
from news import embeds
from news.management.commands.generate_bench_data import BENCH_ARTICLE_SLUG, is_dev_database
from news.markdown import fold, render_markdown
from news.models import Article, Comment

WRK_TEXT = """\
Running 10s test @ http://127.0.0.1:8000/news/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    42.10ms   10.33ms 250.71ms   88.12%
    Req/Sec   190.11     20.55   240.00     70.00%
  Latency Distribution
     50%   40.52ms
     75%   45.01ms
     90%   52.77ms
     99%  101.30ms
  3801 requests in 10.02s, 47.51MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    379.35
Transfer/sec:      4.74MB
"""

BENCH_JSON = (
    'BENCH_JSON {"requests": 4000, "duration_us": 10000000, "bytes": 80000000, '
    '"errors": {"connect": 1, "read": 0, "write": 0, "status": 4, "timeout": 2}, '
    '"latency_us": {"min": 900, "mean": 4000.5, "stdev": 100.0, "max": 90000, '
    '"p50": 3500, "p75": 4000, "p90": 5000, "p99": 8750, "p999": 20000}}'
)


def test_wrk_text_report_is_parsed():
    numbers = run.parse_wrk_output(WRK_TEXT)

    assert numbers["requests"] == 3801
    assert numbers["rps"] == pytest.approx(379.35)
    assert numbers["p50_ms"] == pytest.approx(40.52)
    assert numbers["p99_ms"] == pytest.approx(101.30)
    assert numbers["max_ms"] == pytest.approx(250.71)
    assert numbers["bytes_per_request"] == pytest.approx(47.51 * 1024**2 / 3801)
    assert numbers["non_2xx"] == 7
    assert numbers["socket_errors"] == 5


def test_wrk_text_report_without_errors_has_zero_errors():
    text = WRK_TEXT.replace("  Socket errors: connect 0, read 2, write 0, timeout 3\n", "")
    text = text.replace("  Non-2xx or 3xx responses: 7\n", "")

    numbers = run.parse_wrk_output(text)

    assert numbers["non_2xx"] == 0
    assert numbers["socket_errors"] == 0


def test_exact_numbers_from_the_lua_report_win_over_the_rounded_text():
    numbers = run.parse_wrk_output(WRK_TEXT + BENCH_JSON + "\n")

    assert numbers["requests"] == 4000
    assert numbers["rps"] == pytest.approx(400.0)
    assert numbers["p50_ms"] == pytest.approx(3.5)
    assert numbers["p99_ms"] == pytest.approx(8.75)
    assert numbers["bytes_per_request"] == pytest.approx(20000)
    assert numbers["non_2xx"] == 4
    assert numbers["socket_errors"] == 3


def test_output_without_a_summary_is_an_error():
    with pytest.raises(ValueError, match="no wrk summary"):
        run.parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_ratio_to_the_floor_is_the_median_of_ratios_paired_within_each_round():
    def rounds(*rps):
        return [
            {
                "round": n,
                "requests": int(value * 10),
                "rps": value,
                "p50_ms": 2.0,
                "p99_ms": 4.0,
                "bytes_per_request": 100,
                "non_2xx": 0,
                "socket_errors": 0,
            }
            for n, value in enumerate(rps, start=1)
        ]

    # The floor swings between rounds; the page follows it at a steady quarter.
    results = {key: {"rounds": rounds(100, 100, 100), "preflight_status": 200} for key, *_ in run.PAGES}
    results["floor"]["rounds"] = rounds(4000, 2000, 3000)
    results["home"]["rounds"] = rounds(1000, 500, 750)
    paths = {key: path or f"/{key}/" for key, _label, path, _group in run.PAGES}

    pages = {page["key"]: page for page in run.summarise(results, paths, queries={})}

    assert pages["home"]["ratio"] == pytest.approx(0.25)
    assert pages["home"]["rps"] == 750
    assert pages["floor"]["ratio"] == 1
    assert pages["home"]["tail"] == 2
    assert pages["home"]["errors"] == 0
    assert run.verdicts(pages["home"]) == []
    assert run.verdicts(pages["news"]) == ["ratio"]  # 100 / 3000 < 10 %


def test_growth_table_holds_each_pages_large_ratio_to_0_8_of_its_small_ratio():
    def report(size, ratios):
        pages = [{"key": "floor", "label": "floor view", "ratio": 1.0}]
        pages += [{"key": key, "label": key, "ratio": ratio} for key, ratio in ratios.items()]
        return {"data_size": size, "pages": pages}

    small = report("small", {"home": 0.50, "article": 0.30, "search": 0.40})
    large = report("large", {"home": 0.45, "article": 0.20, "search": 0.32})

    rows = {line.split()[0]: line.split() for line in run.growth_table(large, small).splitlines()[2:]}

    assert set(rows) == {"home", "article", "search"}  # not the floor: it is 1.0 on both
    assert rows["home"][3:] == ["0.90", "0.8", "ok"]
    assert rows["article"][3:] == ["0.67", "0.8", "miss"]
    assert rows["search"][3:] == ["0.80", "0.8", "ok"]


def test_results_of_the_small_data_set_are_kept_apart(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    base = {"date": "2026-11-26T05:00:00+00:00", "db": "sqlite", "smoke": False}

    assert run.results_path({**base, "data_size": "large"}) == tmp_path / "2026-11-26-sqlite.json"
    assert run.results_path({**base, "data_size": "small"}) == tmp_path / "2026-11-26-sqlite-small.json"
    (tmp_path / "2026-11-26-sqlite-small.json").write_text("{}")
    assert run.results_path({**base, "data_size": "small"}) == tmp_path / "2026-11-26-sqlite-small-2.json"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_floor_view_renders_a_tiny_template_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/bench/floor/")

    assert response.status_code == HTTPStatus.OK
    assert b"<h1>Floor</h1>" in response.content


@pytest.mark.django_db
def test_floor_view_is_not_mounted_in_production(client):
    assert client.get("/bench/floor/").status_code == HTTPStatus.NOT_FOUND


def test_bench_settings_differ_from_production_only_by_the_urlconf():
    production = importlib.import_module("config.settings")
    bench = importlib.import_module("bench.settings")
    names = {name for name in dir(production) + dir(bench) if name.isupper()}

    differing = {name for name in names if getattr(production, name, None) != getattr(bench, name, None)}

    assert differing == {"ROOT_URLCONF"}
    assert bench.ROOT_URLCONF == "bench.urls"


def test_dev_database_is_recognised():
    dev = {"ENGINE": "django.db.backends.sqlite3", "NAME": Path(settings.BASE_DIR) / "db.sqlite3"}
    other = {"ENGINE": "django.db.backends.sqlite3", "NAME": Path(settings.BASE_DIR) / "bench/data/x.sqlite3"}

    assert is_dev_database(dev)
    assert not is_dev_database(other)
    assert not is_dev_database({"ENGINE": "django.db.backends.postgresql", "NAME": "podium"})


@pytest.mark.django_db
def test_generate_bench_data_refuses_the_dev_database():
    dev = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(settings.BASE_DIR) / "db.sqlite3")}

    with mock.patch.dict(connection.settings_dict, dev), pytest.raises(CommandError, match="development"):
        call_command("generate_bench_data", "--small")

    assert not Article.objects.exists()


@pytest.mark.django_db
def test_generate_bench_data_writes_the_rows_asked_for_with_derived_fields_set():
    call_command("load_demo", verbosity=0)
    demo = {
        "articles": Article.objects.count(),
        "athletes": Athlete.objects.count(),
        "results": Result.objects.count(),
    }

    call_command(
        "generate_bench_data",
        "--articles=12",
        "--comments=60",
        "--athletes=40",
        "--results=90",
        "--article-comments=20",
        stdout=mock.Mock(),
        stderr=mock.Mock(),
    )

    assert Article.objects.count() == demo["articles"] + 12
    assert Comment.objects.count() == 60
    assert Athlete.objects.count() == demo["athletes"] + 40
    assert Result.objects.count() == demo["results"] + 90
    bench_article = Article.objects.published().get(slug=BENCH_ARTICLE_SLUG)
    assert bench_article.comments.approved().count() == 20
    assert bench_article.comments.approved().filter(parent__isnull=False).exists()
    # The measured article embeds the four kinds of results, as the demo's staff report does.
    assert [kind for kind, *_ in embeds.embeds_in(bench_article.body_html)] == [
        "results", "h2h", "athlete", "record",
    ]  # fmt: skip
    # Replies answer a top-level comment of their own article.
    replies = Comment.objects.filter(parent__isnull=False)
    assert not replies.exclude(parent__article=F("article")).exists()
    assert not replies.filter(parent__parent__isnull=False).exists()
    # Recommended comments, and picks (approved, with the time they were picked), as on a live site.
    assert Comment.objects.filter(recommend_count__gt=0).exists()
    picks = Comment.objects.filter(is_pick=True)
    assert not picks.exclude(status="approved", picked_at__isnull=False).exists()
    # What save() would have derived, bulk_create or not.
    for article in Article.objects.all():
        assert article.body_html == embeds.body_html(article.body)  # as Article.save() writes it
        assert article.search_document == fold(f"{article.title}\n{article.standfirst}\n{article.body}")
    for athlete in Athlete.objects.all():
        assert athlete.name_folded == fold(athlete.name)
        assert athlete.bio_html == render_markdown(athlete.bio)
    for result in Result.objects.filter(source__contains="bench"):
        expected = MEDAL_FOR_POSITION.get(result.position, Medal.NONE) if result.round == "final" else ""
        assert result.medal == expected
    assert Result.objects.filter(source__contains="bench").exclude(medal="").exists()


@pytest.mark.django_db
def test_generate_bench_data_runs_once_per_database():
    call_command("generate_bench_data", "--small", stdout=mock.Mock(), stderr=mock.Mock())

    with pytest.raises(CommandError, match="already holds benchmark data"):
        call_command("generate_bench_data", "--small", stdout=mock.Mock(), stderr=mock.Mock())
