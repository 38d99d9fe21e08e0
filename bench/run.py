"""``make bench``: Podium's pages under load, as ratios to the framework floor.

Prepares a benchmark database (SQLite file cached under bench/data/, or the PostgreSQL
database ``podium_bench``), starts gunicorn with the production settings (DEBUG off, sync
workers, one per core, bound to 127.0.0.1 on a free port) plus the floor view, and
measures every page with wrk in rounds, each round visiting every URL once in a rotated
order. A page's ratio to the floor is the median over rounds of (page rps / floor rps in
the same round): absolute numbers swing between rounds, ratios paired within one hold.

Queries per request are counted in-process (``bench.queries``: Django's test client
under the same settings and database, inside ``CaptureQueriesContext``).

Flat with growth: ``--data small`` measures the same pages on a data set the size of a
new site's (50 articles, 300 comments); ``--growth FILE`` prints each page's ratio on the
large set beside its ratio on that small one (target: at least 0.8 of it).

Usage: python -m bench.run [--db sqlite|postgres] [--data large|small] [--rounds 3]
       [--duration 10s] [--connections 16] [--smoke] [--compare FILE] [--growth FILE]
       [--show FILE]
"""

import argparse
import datetime
import fcntl
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GENERATOR = ROOT / "news" / "management" / "commands" / "generate_bench_data.py"
LUA = BENCH / "wrk_report.lua"

LARGE = {"articles": 20_000, "comments": 200_000, "athletes": 2_000, "results": 50_000}
# A new site's size, for the growth comparison and the smoke run. The demo content itself
# (load_demo) has no article with many comments and no 1,000th page to measure.
SMALL = {"articles": 50, "comments": 300, "athletes": 30, "results": 200}
SIZES = {"large": LARGE, "small": SMALL}
BENCH_ARTICLE = "/news/bench-article-with-2000-comments/"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "db": "podium_bench"}
REDIS_URL = "redis://127.0.0.1:6379/2"
WRK_TIMEOUT = "30s"  # a slow page shows up as latency, not as timeouts

# (key, label, path or None for those resolved at run time, group for the targets)
PAGES = [
    ("floor", "floor view", "/bench/floor/", "floor"),
    ("static_css", "static CSS", None, "static"),
    ("home", "home", "/", "detail"),
    ("news", "news list", "/news/", "list"),
    ("news_page_1000", "news list p.1000", None, "list"),
    ("article", "article, 2,000 comments", BENCH_ARTICLE, "detail"),
    ("athlete", "athlete", "/athletes/josh-kerr/", "detail"),
    ("h2h", "head-to-head", "/athletes/josh-kerr/vs/jakob-ingebrigtsen/", "other"),
    ("medals", "medal table", "/medals/", "other"),
    ("search", "search", "/search/?q=kerr", "list"),
    ("feed", "RSS feed", "/feeds/latest/", "list"),
    ("sitemap", "sitemap", "/sitemap.xml", "list"),
]
# Issue 5's targets: ratio to the floor by group. The head-to-head and the medal table are
# not named there; they are held to the list pages' 10 %.
RATIO_TARGETS = {"floor": 1.0, "static": 1.2, "detail": 0.20, "list": 0.10, "other": 0.10}
TAIL_TARGET = 2.5  # p99 <= 2.5 x p50
GROWTH_TARGET = 0.8  # ratio on the large data set >= 0.8 x the ratio on the small one
QUERY_TARGET = 8
RSS_TARGET_MB = 150


class BenchError(Exception):
    """A reason to stop, with a message for the person running the bench."""


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(args, *, env=None, check=True, capture=False, timeout=None):
    """Run a command (a list, never through a shell) and return its CompletedProcess."""
    return subprocess.run(  # noqa: S603 (fixed argument lists, no shell)
        [str(a) for a in args],
        cwd=ROOT,
        env=env,
        check=check,
        text=True,
        capture_output=capture,
        timeout=timeout,
    )


# ---------------------------------------------------------------- wrk output


_UNITS_S = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_UNITS_B = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _seconds(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _UNITS_S[match[2]]


def _bytes(text):
    match = re.fullmatch(r"([\d.]+)(B|KB|MB|GB|TB)", text.strip())
    if not match:
        raise ValueError(f"not a wrk size: {text!r}")
    return float(match[1]) * _UNITS_B[match[2]]


def parse_wrk_output(text):
    """The numbers of one wrk run: rps, p50_ms, p99_ms, bytes_per_request, requests,
    non_2xx (wrk's status errors: responses >= 400) and socket_errors.

    Exact values come from the BENCH_JSON line of bench/wrk_report.lua; without it (plain
    ``wrk --latency``) the rounded human-readable report is parsed instead.
    """
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON ") :])
            errors, latency = data["errors"], data["latency_us"]
            requests = data["requests"]
            seconds = data["duration_us"] / 1e6
            return {
                "requests": requests,
                "seconds": seconds,
                "rps": requests / seconds if seconds else 0.0,
                "p50_ms": latency["p50"] / 1000,
                "p75_ms": latency["p75"] / 1000,
                "p90_ms": latency["p90"] / 1000,
                "p99_ms": latency["p99"] / 1000,
                "max_ms": latency["max"] / 1000,
                "bytes_per_request": data["bytes"] / requests if requests else 0.0,
                "non_2xx": errors["status"],
                "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
            }

    result = {"non_2xx": 0, "socket_errors": 0}
    match = re.search(r"^\s*(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read", text, re.M)
    if not match:
        raise ValueError("no wrk summary ('N requests in T, B read') in the output")
    result["requests"] = int(match[1])
    result["seconds"] = _seconds(match[2])
    total_bytes = _bytes(match[3])
    result["bytes_per_request"] = total_bytes / result["requests"] if result["requests"] else 0.0
    match = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    result["rps"] = float(match[1]) if match else result["requests"] / result["seconds"]
    for percent, key in (("50", "p50_ms"), ("75", "p75_ms"), ("90", "p90_ms"), ("99", "p99_ms")):
        match = re.search(rf"^\s*{percent}%\s+([\d.]+\w+)", text, re.M)
        result[key] = _seconds(match[1]) * 1000 if match else None
    match = re.search(r"^\s*Latency\s+\S+\s+\S+\s+(\S+)", text, re.M)
    result["max_ms"] = _seconds(match[1]) * 1000 if match else None
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if match:
        result["non_2xx"] = int(match[1])
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if match:
        result["socket_errors"] = sum(int(n) for n in match.groups())
    return result


# ---------------------------------------------------------------- environment


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 2


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def data_key(sizes):
    """Changes whenever the sizes, the generator or the set of migrations change."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(json.dumps(sizes, sort_keys=True).encode())
    digest.update(GENERATOR.read_bytes())
    for migration in sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(str(migration.relative_to(ROOT)).encode())
    return digest.hexdigest()[:10]


def base_env(args):
    """The production environment: DEBUG off, plain http on 127.0.0.1, the bench settings."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "HTTPS": "false",
            "SERVE_MEDIA": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "CACHE_URL": args.cache_url,
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def manage(env, *args, capture=False):
    return run([PYTHON, ROOT / "manage.py", *args], env=env, capture=capture)


def psql(sql, *, database="postgres", capture=True, check=True):
    if not shutil.which("psql"):
        raise BenchError("psql is not installed (Debian: apt-get install postgresql-client).")
    return run(
        [
            "psql",
            "-h",
            POSTGRES["host"],
            "-p",
            POSTGRES["port"],
            "-U",
            POSTGRES["user"],
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-tAc",
            sql,
        ],  # fmt: skip
        capture=capture,
        check=check,
    )


def prepare_sqlite(env, size):
    """A cached SQLite file per data key: generated once into a temporary name, then renamed."""
    DATA.mkdir(parents=True, exist_ok=True)
    sizes = SIZES[size]
    key = data_key(sizes)
    path = DATA / f"bench-{size}-{key}.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{path}"
    env["MEDIA_ROOT"] = str(DATA / f"media-{key}")
    generated = None
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)
        gen_env = {**env, "DATABASE_URL": f"sqlite:///{tmp}"}
        log(f"generating {sizes} into {path.name} (cached for later runs)")
        manage(gen_env, "migrate", "--noinput", "-v", "0")
        generated = generate(gen_env, sizes)
        with sqlite3.connect(tmp) as connection:  # fold the WAL into the file before renaming it
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for suffix in ("-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        tmp.rename(path)
        # Old data sets of the same kind are stale now.
        for old in DATA.glob(f"bench-{size}-*.sqlite3*"):
            if not old.name.startswith(path.name):
                old.unlink()
    else:
        log(f"using cached data {path.name}")
    manage(env, "migrate", "--noinput", "-v", "0")
    return {"database": str(path.relative_to(ROOT)), "generated_seconds": generated, "key": key}


def prepare_postgres(env, size):
    """The podium_bench database (podium_bench_small for the small set), recreated when its
    COMMENT (the data key) does not match."""
    if run(["pg_isready", "-q", "-h", POSTGRES["host"], "-p", POSTGRES["port"]], check=False).returncode:
        raise BenchError(
            "PostgreSQL does not answer on 127.0.0.1:5432 (start it, e.g. pg_ctlcluster 15 main start)."
        )
    sizes = SIZES[size]
    key = f"podium-bench {size} {data_key(sizes)}"
    name = POSTGRES["db"] if size == "large" else f"{POSTGRES['db']}_{size}"
    env["DATABASE_URL"] = f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{name}"
    env["MEDIA_ROOT"] = str(DATA / f"media-pg-{data_key(sizes)}")
    # The name is the constant above, never input.
    sql = "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '%s'"
    found = psql(sql % name).stdout.strip()
    generated = None
    if found != key:
        log(f"(re)creating PostgreSQL database {name} for {sizes}")
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {name}")
        manage(env, "migrate", "--noinput", "-v", "0")
        generated = generate(env, sizes)
        psql("VACUUM ANALYZE", database=name)
        psql(f"COMMENT ON DATABASE {name} IS '{key}'")
    else:
        log(f"using existing database {name} ({key})")
        manage(env, "migrate", "--noinput", "-v", "0")
    return {"database": f"postgresql {name}", "generated_seconds": generated, "key": key}


def generate(env, sizes):
    args = [f"--{name}={value}" for name, value in sizes.items()]
    started = time.monotonic()
    manage(env, "generate_bench_data", *args)
    seconds = time.monotonic() - started
    log(f"generate_bench_data took {seconds:.1f}s")
    return round(seconds, 1)


def hashed_css():
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def news_page_path(env):
    """/news/?page=1000, or the last page when the data set has fewer (smoke)."""
    code = (
        "import django; django.setup();"
        "from news.models import Article;"
        "print(-(-Article.objects.published().count() // 12))"
    )
    pages = int(run([PYTHON, "-c", code], env=env, capture=True).stdout.strip().splitlines()[-1])
    return f"/news/?page={max(1, min(1000, pages))}"


# ---------------------------------------------------------------- gunicorn and wrk


class Gunicorn:
    """gunicorn with the production settings and N sync workers, as `make serve` runs it."""

    def __init__(self, env, workers, logfile):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.logfile = logfile
        self.process = subprocess.Popen(  # noqa: S603 (fixed argument list)
            [
                str(GUNICORN),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready()

    def wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with {self.process.returncode}; see {self.logfile.name}")
            try:
                if fetch(self.base + "/bench/floor/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError("gunicorn did not answer within 30 s")

    def worker_rss_mb(self):
        """VmRSS of each of gunicorn's worker processes (the master's children), in MB."""
        rss = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if match:
                rss[int(stat.parent.name)] = round(int(match[1]) / 1024, 1)
        return dict(sorted(rss.items()))

    def drain(self, workers, limit=1800):
        """Wait until every worker is idle; return the seconds waited.

        When wrk stops, the requests it had in flight are still queued in gunicorn (a sync
        worker notices a gone client only when it writes), so a slow page would eat into
        the next page's measurement. Idle means: one floor request per worker, sent at
        once, all answered quickly (a busy worker would make one of them wait)."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            times = []

            def probe(times=times):
                begun = time.monotonic()
                try:
                    fetch(self.base + "/bench/floor/")
                except OSError:
                    pass
                times.append(time.monotonic() - begun)

            probes = [threading.Thread(target=probe) for _ in range(workers)]
            for thread in probes:
                thread.start()
            for thread in probes:
                thread.join()
            if max(times) < 0.25:
                return round(time.monotonic() - started, 1)
        raise BenchError(f"gunicorn still busy after {limit} s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url, timeout=600):
    """(status, body bytes) of a GET, redirects not followed."""
    try:
        with _opener.open(url, timeout=timeout) as response:  # noqa: S310 (http://127.0.0.1 only)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wrk(url, *, duration, connections, threads):
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency", "--timeout", WRK_TIMEOUT]
    load = os.getloadavg()[0]
    output = run([*args, "-s", LUA, url], capture=True).stdout
    return {**parse_wrk_output(output), "loadavg_1m_before": round(load, 2)}


# ---------------------------------------------------------------- the run


LOCK = Path(tempfile.gettempdir()) / "podium-bench.lock"


def exclusive():
    """Hold a machine-wide lock for the whole run: two benches at once (from two clones or
    worktrees) would measure each other and share podium_bench."""
    handle = LOCK.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log(f"another bench holds {LOCK}; waiting for it to finish")
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def measure(args):
    if not shutil.which("wrk"):
        raise BenchError(
            "wrk is not installed. The bench installs nothing itself; on Debian/Ubuntu: "
            "sudo apt-get install wrk (https://github.com/wg/wrk)."
        )
    if not GUNICORN.exists():
        raise BenchError("No .venv: run `make test` or `make run` once first.")
    sizes = dict(SIZES[args.data])
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        log(f"warning: load average {load_before[0]:.2f} before the bench; other work skews the numbers")
    env = base_env(args)
    prepared = (prepare_postgres if args.db == "postgres" else prepare_sqlite)(env, args.data)
    manage(env, "collectstatic", "--noinput", "-v", "0")
    if args.db == "postgres" and shutil.which("redis-cli"):
        run(["redis-cli", "-u", REDIS_URL, "flushdb"], capture=True, check=False)

    paths = {key: path for key, _label, path, _group in PAGES}
    paths["static_css"] = hashed_css()
    paths["news_page_1000"] = news_page_path(env)
    log("counting queries per request (in-process, test client, CaptureQueriesContext)")
    out = run([PYTHON, "-m", "bench.queries", *paths.values()], env=env, capture=True).stdout
    queries = json.loads(out.strip().splitlines()[-1])

    workers = args.workers or cores()
    results = {key: {"rounds": []} for key in paths}
    logfile = tempfile.NamedTemporaryFile(prefix="podium-bench-gunicorn-", suffix=".log", delete=False)
    server = Gunicorn(env, workers, logfile)
    rss = {}
    try:
        log(f"gunicorn on {server.base}: {workers} sync workers; preflight and warm-up")
        failures = []
        for key, path in paths.items():
            status, _body = fetch(server.base + path)
            results[key]["preflight_status"] = status
            if status != 200:
                failures.append(f"{path} answered {status}")
            # One connection per worker: warms every worker without queueing a backlog.
            wrk(
                server.base + path,
                duration=args.warmup,
                connections=workers,
                threads=min(args.threads, workers),
            )
            server.drain(workers)
        keys = list(paths)
        shift = max(1, len(keys) // max(args.rounds, 1))
        for number in range(args.rounds):
            order = keys[(number * shift) % len(keys) :] + keys[: (number * shift) % len(keys)]
            log(f"round {number + 1}/{args.rounds}: {len(order)} pages x {args.duration}")
            for key in order:
                numbers = wrk(
                    server.base + paths[key],
                    duration=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                )
                numbers["round"] = number + 1
                numbers["drain_seconds"] = server.drain(workers)
                results[key]["rounds"].append(numbers)
                if numbers["drain_seconds"] > 1:
                    log(f"  {key}: {numbers['drain_seconds']} s to drain the requests left queued")
        rss = server.worker_rss_mb()
    finally:
        server.stop()
        logfile.close()
    log_tail = Path(logfile.name).read_text(errors="replace").splitlines()[-20:]
    Path(logfile.name).unlink(missing_ok=True)

    pages = summarise(results, paths, queries)
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "db": args.db,
        "cache": args.cache_url,
        "smoke": args.smoke,
        "data_size": args.data,
        "git": git_revision(),
        "machine": {
            "cores": cores(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
        },
        "server": {"gunicorn_workers": workers, "worker_class": "sync", "debug": False},
        "wrk": {
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "timeout": WRK_TIMEOUT,
        },
        "data": {**sizes, **prepared},
        "queries_method": (
            "in-process: Django test client, bench settings and database, CaptureQueriesContext; "
            "warm = the second request"
        ),
        "pages": pages,
        "worker_rss_mb": list(rss.values()),
        "preflight_failures": failures,
    }
    if failures or any(page["errors"] for page in pages):
        report["gunicorn_log_tail"] = log_tail
    return report


def summarise(results, paths, queries):
    """Per page: medians over rounds, and the median of the ratios paired within each round."""
    floor = {r["round"]: r["rps"] for r in results["floor"]["rounds"]}
    pages = []
    for key, label, _path, group in PAGES:
        rounds = results[key]["rounds"]
        ratios = [r["rps"] / floor[r["round"]] for r in rounds if floor.get(r["round"])]
        p50 = statistics.median(r["p50_ms"] for r in rounds)
        p99 = statistics.median(r["p99_ms"] for r in rounds)
        count = queries.get(paths[key], {})
        pages.append(
            {
                "key": key,
                "label": label,
                "path": paths[key],
                "group": group,
                "rps": round(statistics.median(r["rps"] for r in rounds), 1),
                "p50_ms": round(p50, 2),
                "p99_ms": round(p99, 2),
                "tail": round(p99 / p50, 2) if p50 else None,
                "bytes": round(statistics.median(r["bytes_per_request"] for r in rounds)),
                "errors": sum(r["non_2xx"] + r["socket_errors"] for r in rounds)
                + (results[key]["preflight_status"] != 200),
                "non_2xx": sum(r["non_2xx"] for r in rounds),
                "socket_errors": sum(r["socket_errors"] for r in rounds),
                "preflight_status": results[key]["preflight_status"],
                "requests": sum(r["requests"] for r in rounds),
                "single_request_ms": count.get("ms"),
                "queries": count.get("warm"),
                "queries_cold": count.get("cold"),
                "query_status": count.get("status"),
                "sql": count.get("sql"),
                "ratio": round(statistics.median(ratios), 4) if ratios else None,
                "ratios_per_round": [round(x, 4) for x in ratios],
                "ratio_target": RATIO_TARGETS[group],
                "rounds": rounds,
            }
        )
    return pages


def git_revision():
    """The commit measured, with "+dirty" when the working tree has uncommitted changes."""
    try:
        commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture=True).stdout.strip()
        changes = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{commit}+dirty" if changes.stdout.strip() else commit


# ---------------------------------------------------------------- output


def verdicts(page):
    """The targets this page misses, as short words."""
    misses = []
    if page["ratio"] is not None and page["key"] != "floor" and page["ratio"] < page["ratio_target"]:
        misses.append("ratio")
    if page["tail"] is not None and page["tail"] > TAIL_TARGET:
        misses.append("tail")
    if page["queries"] is not None and page["queries"] > QUERY_TARGET:
        misses.append("queries")
    if page["errors"]:
        misses.append("errors")
    if any(r["requests"] == 0 for r in page["rounds"]):
        misses.append("no-response")  # not one request finished within a round's duration
    return misses


def table(report):
    head = (
        f"{'page':<26}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99/p50':>9}{'bytes':>9}"
        f"{'errors':>8}{'queries':>9}{'1 req ms':>10}{'ratio':>8}{'target':>8}  misses"
    )
    lines = [head, "-" * len(head)]
    for page in report["pages"]:
        queries = "-" if page["queries"] is None else str(page["queries"])
        single = page.get("single_request_ms")
        single = "-" if single is None else f"{single:.1f}"
        target = "" if page["key"] == "floor" else f"{page['ratio_target']:.0%}"
        lines.append(
            f"{page['label']:<26}{page['rps']:>9.0f}{page['p50_ms']:>9.2f}{page['p99_ms']:>9.2f}"
            f"{page['tail'] or 0:>9.2f}{page['bytes']:>9}{page['errors']:>8}{queries:>9}{single:>10}"
            f"{page['ratio']:>8.1%}{target:>8}  {' '.join(verdicts(page)) or 'ok'}"
        )
    return "\n".join(lines)


def describe(report):
    wrk_ = report["wrk"]
    data = report["data"]
    return (
        f"Podium bench {report['date']} ({report.get('git') or '?'}), {report['db']}, "
        f"cache {report['cache']}; "
        f"{report['server']['gunicorn_workers']} sync workers on {report['machine']['cores']} cores; wrk "
        f"-t{wrk_['threads']} -c{wrk_['connections']} -d{wrk_['duration']}, {wrk_['rounds']} round(s); data "
        f"{data['articles']} articles, {data['comments']} comments, {data['athletes']} athletes, "
        f"{data['results']} results"
    )


def compare_table(new, old):
    head = (
        f"{'page':<26}{'rps before':>11}{'after':>9}{'ratio before':>13}{'after':>9}{'change':>8}"
        f"{'p99 before':>11}{'after':>9}{'queries':>10}"
    )
    lines = [head, "-" * len(head)]
    before = {page["key"]: page for page in old["pages"]}
    for page in new["pages"]:
        was = before.get(page["key"])
        if was is None:
            lines.append(f"{page['label']:<26}{'-':>11}{page['rps']:>9.0f}")
            continue
        change = f"{page['ratio'] / was['ratio']:.2f}x" if was["ratio"] else "-"
        queries = f"{was['queries']}->{page['queries']}"
        lines.append(
            f"{page['label']:<26}{was['rps']:>11.0f}{page['rps']:>9.0f}{was['ratio']:>13.1%}"
            f"{page['ratio']:>9.1%}{change:>8}{was['p99_ms']:>11.2f}{page['p99_ms']:>9.2f}{queries:>10}"
        )
    return "\n".join(lines)


def growth_table(large, small):
    """Flat with growth: each page's ratio to the floor on the large data set beside its
    ratio on the small one (each paired within its own run)."""
    head = f"{'page':<26}{'ratio small':>12}{'large':>9}{'large/small':>13}{'target':>8}  verdict"
    lines = [head, "-" * len(head)]
    on_small = {page["key"]: page for page in small["pages"]}
    for page in large["pages"]:
        was = on_small.get(page["key"])
        if page["key"] == "floor" or was is None or not was["ratio"] or page["ratio"] is None:
            continue
        growth = page["ratio"] / was["ratio"]
        verdict = "ok" if round(growth, 4) >= GROWTH_TARGET else "miss"  # 0.32 / 0.4 is 0.7999...
        lines.append(
            f"{page['label']:<26}{was['ratio']:>12.1%}{page['ratio']:>9.1%}{growth:>13.2f}"
            f"{GROWTH_TARGET:>8.1f}  {verdict}"
        )
    return "\n".join(lines)


def print_report(report, compare=None, growth=None):
    print(describe(report))
    if report.get("note"):
        print(f"note: {report['note']}")
    load = report["machine"].get("loadavg_before")
    if load and load[0] > 0.5:
        print(f"(load average {load[0]:.2f} before the run: the machine was busy; trust ratios over rps)")
    print(table(report))
    rss = report.get("worker_rss_mb") or []
    verdict = "ok" if rss and max(rss) <= RSS_TARGET_MB else f"target {RSS_TARGET_MB} MB"
    print(f"gunicorn worker RSS after the run (MB): {', '.join(f'{x:.1f}' for x in rss) or '-'} ({verdict})")
    generated = report["data"].get("generated_seconds")
    if generated is not None:
        print(f"generate_bench_data: {generated:.1f}s")
    for failure in report.get("preflight_failures") or []:
        print(f"preflight: {failure}")
    if compare is not None:
        print()
        print(f"Compared with: {describe(compare)}")
        if compare.get("note"):
            print(f"note: {compare['note']}")
        print(compare_table(report, compare))
    if growth is not None:
        print()
        print(f"Flat with growth, against: {describe(growth)}")
        print(growth_table(report, growth))


def results_path(report):
    if report["smoke"]:
        return DATA / f"smoke-{report['db']}.json"
    size = report.get("data_size", "large")
    stem = f"{report['date'][:10]}-{report['db']}" + ("" if size == "large" else f"-{size}")
    path = RESULTS / f"{stem}.json"
    number = 2
    while path.exists():
        path = RESULTS / f"{stem}-{number}.json"
        number += 1
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description="Podium's benchmark (see README, Benchmark).")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=None, help="default 3 (smoke: 1)")
    parser.add_argument("--duration", default=None, help="per page and round, default 10s (smoke: 2s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", default=None, help="wrk warm-up per page, default 2s (smoke: 1s)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn sync workers (default: cores)")
    parser.add_argument("--smoke", action="store_true", help="small data, 2 s per page, 1 round (CI)")
    parser.add_argument("--data", choices=list(SIZES), default=None, help="default large (smoke: small)")
    parser.add_argument("--compare", type=Path, help="an earlier result JSON to print beside this one")
    parser.add_argument("--growth", type=Path, help="a result on the small data set, for flat with growth")
    parser.add_argument("--show", type=Path, help="print a saved result instead of running the bench")
    args = parser.parse_args(argv)
    args.data = args.data or ("small" if args.smoke else "large")
    args.rounds = args.rounds or (1 if args.smoke else 3)
    args.duration = args.duration or ("2s" if args.smoke else "10s")
    args.warmup = args.warmup or ("1s" if args.smoke else "2s")
    args.cache_url = REDIS_URL if args.db == "postgres" else "locmemcache://podium"
    compare = json.loads(args.compare.read_text()) if args.compare else None
    growth = json.loads(args.growth.read_text()) if args.growth else None

    if args.show:
        print_report(json.loads(args.show.read_text()), compare, growth)
        return 0
    lock = exclusive()
    try:
        report = measure(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(f"bench: {' '.join(map(str, error.cmd))} failed ({error.returncode})", file=sys.stderr)
        if error.stderr:
            print(error.stderr[-3000:], file=sys.stderr)
        return 2
    finally:
        lock.close()
    path = results_path(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")
    print_report(report, compare, growth)
    print(f"written to {path.relative_to(ROOT)}")
    bad = [page["label"] for page in report["pages"] if {"errors", "no-response"} & set(verdicts(page))]
    if bad:
        print(f"FAIL: errors, non-2xx responses or no response on: {', '.join(bad)}", file=sys.stderr)
        for line in report.get("gunicorn_log_tail", []):
            print(f"  gunicorn| {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
