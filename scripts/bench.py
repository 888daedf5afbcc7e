"""`make bench`: SoMeHub's pages against Django's own floor, on this machine.

1. recreates the Postgres database `somehub_bench` and fills it with
   scripts/benchsite/seed.py (1,000 members, 500 evenings, 20,000 RSVPs,
   200 recaps, 10,000 comments, ...);
2. counts the queries of every page with Django's test client (first request and
   repeat, so a cached page shows what a hit costs);
3. starts gunicorn in production mode exactly as shipped (`gunicorn.conf.py`, DEBUG
   off, collected static files, HTTPS off because there is no proxy) on 127.0.0.1,
   and a private Redis for the cache unless CACHE_URL is given. `--gunicorn
   NAME=VALUE` changes one of gunicorn.conf.py's settings through its environment
   variable (GUNICORN_WORKERS=2, GUNICORN_WORKER_CLASS=sync, GUNICORN_ACCESS_LOG=0,
   GUNICORN_MAX_REQUESTS=0, ...): the output then says "tweaked" and lists them;
4. loads the baseline (hello-world, fortunes, the two member floors) and the real
   pages with wrk, in rounds that interleave the pages, so that drift hits all of
   them alike;
5. prints page | req/s | p50 | p99 | queries | ratio to fortunes, writes the same as
   JSON (var/bench/<time>.json, or --out), and stops everything it started.

    .venv/bin/python scripts/bench.py [--rounds 3] [--duration 3] [--out FILE]
        [--gunicorn GUNICORN_WORKER_CLASS=sync ...]

Needs a Postgres server (BENCH_DATABASE_URL, default the local one); installs wrk and
redis-server from Debian when they are missing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.prodserver import (  # noqa: E402
    free_port,
    manage,
    production_env,
    seed,
    wait_for_port,
)

PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/somehub_bench"

# wrk prints one JSON line at the end of each run (latencies in microseconds).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"errors":%d,"non_2xx":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"""


# Runs inside the bench environment: finds the pages, logs the bench member in (a
# real session in the database), counts queries per page.
PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from accounts.models import User
from scripts.benchsite.data import BENCH_EMAIL
from events.models import Event, Recap

user = User.objects.get(email=BENCH_EMAIL)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()

event = Event.objects.published().upcoming().first()
recap = Recap.objects.published().newest_first().first()

def url(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None

pages = [
    ("hello", url("bench:hello"), False),
    ("fortunes", url("bench:fortunes"), False),
    ("floor, member", url("bench:member"), True),
    ("layout, member", url("bench:member-layout"), True),
    ("home", url("events:home"), False),
    ("home, member", url("events:home"), True),
    ("event list", url("events:list"), False),
    ("event list, member", url("events:list"), True),
    ("event detail", event.get_absolute_url(), False),
    ("event detail, member", event.get_absolute_url(), True),
    ("recap detail", recap.get_absolute_url() if recap else None, False),
    ("recap detail, member", recap.get_absolute_url() if recap else None, True),
    ("member directory, member", url("accounts:directory"), True),
    ("my events, member", url("events:my-events"), True),
    ("wishes", url("impulses:wish-list"), False),
    ("wishes, member", url("impulses:wish-list"), True),
]
result = []
for name, path, logged_in in pages:
    if path is None:
        continue
    client = Client()
    if logged_in:
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    counts = []
    for attempt in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {response.status_code}")
        counts.append(len(queries))
    result.append({"page": name, "path": path, "member": logged_in,
                   "queries_first": counts[0], "queries_repeat": counts[1],
                   "bytes": len(response.content)})
cache.clear()  # the load test starts cold, as after a deploy
print(json.dumps({"session_cookie": [settings.SESSION_COOKIE_NAME, session.session_key],
                  "pages": result}))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def ensure_tool(command: str, package: str) -> str:
    """The path of a command; installs its Debian package when it is missing."""
    found = shutil.which(command)
    if found:
        return found
    log(f"installing {package} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
    found = shutil.which(command)
    if not found:
        raise SystemExit(f"{command} is still missing after installing {package}")
    return found


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"\w+", name) or "bench" not in name:
        raise SystemExit(
            f"refusing to recreate {name!r}: the name must contain 'bench'"
        )
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def process(
    args: list[str], log_path: Path, **kwargs: Any
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process in its own session, stopped (TERM, then KILL) at the end."""
    with log_path.open("ab") as out:
        child = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def start_redis(stack: ExitStack, folder: Path) -> str:
    redis = ensure_tool("redis-server", "redis-server")
    port = free_port()
    child = stack.enter_context(
        process(
            [
                redis,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory",
                "256mb",
                "--maxmemory-policy",
                "allkeys-lru",
            ],
            folder / "redis.log",
        )
    )
    wait_for_port(port, child, folder / "redis.log")
    return f"redis://127.0.0.1:{port}/0"


def fetch(
    url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def run_wrk(
    wrk: str,
    script: Path,
    url: str,
    cookie: str | None,
    args: argparse.Namespace,
    duration: int,
) -> dict[str, Any]:
    command = [
        wrk,
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    line = next(x for x in output.stdout.splitlines() if x.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    return result


def page_weight(base: str, folder: Path) -> dict[str, Any]:
    """What a first visit to the home page downloads, compressed: the HTML (gzip -6,
    as a reverse proxy would send it) plus the CSS and JS whitenoise serves."""
    _, _, html = fetch(base + "/")
    text = html.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assets += re.findall(r'<script[^>]* src="([^"]+)"', text)
    result: dict[str, Any] = {
        "html_bytes": len(html),
        "html_gzip_bytes": len(gzip.compress(html, compresslevel=6)),
        "assets": [],
    }
    for path in assets:
        _, headers, body = fetch(base + path, {"Accept-Encoding": "gzip"})
        result["assets"].append(
            {
                "path": path,
                "encoding": headers.get("Content-Encoding", "identity"),
                "bytes": len(body),
                "cache_control": headers.get("Cache-Control", ""),
            }
        )
    result["total_compressed_bytes"] = result["html_gzip_bytes"] + sum(
        a["bytes"] for a in result["assets"]
    )
    return result


def table(rows: list[dict[str, Any]]) -> str:
    header = (
        f"{'page':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'queries':>8} {'ratio':>6}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        queries = f"{r['queries_first']}/{r['queries_repeat']}"
        lines.append(
            f"{r['page']:<26} {r['rps']:>8.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
            f"{queries:>8} {r['ratio']:>6.2f}"
        )
    return "\n".join(lines)


def shipped_settings(env: dict[str, str]) -> dict[str, Any]:
    """What gunicorn.conf.py sets with this environment (the values gunicorn runs)."""
    code = (
        "import json, runpy; c = runpy.run_path('gunicorn.conf.py'); "
        "print(json.dumps({k: c[k] for k in ('worker_class', 'workers', 'threads', "
        "'keepalive', 'max_requests', 'max_requests_jitter', 'accesslog')}))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"gunicorn.conf.py failed:\n{result.stderr}")
    shipped: dict[str, Any] = json.loads(result.stdout)
    return shipped


def git_revision() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return result.stdout.strip() + ("+changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--duration", type=int, default=3, help="seconds per page and round"
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the data set (scripts/benchsite/seed.py)",
    )
    parser.add_argument(
        "--db-pool",
        action="store_true",
        help="psycopg's connection pool instead of persistent connections",
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="render every page (SOMEHUB_PAGE_CACHE=0), to see what the cache buys",
    )
    parser.add_argument(
        "--out", type=Path, help="JSON file (default var/bench/<time>.json)"
    )
    parser.add_argument("--label", default="", help="a note stored in the JSON")
    parser.add_argument(
        "--gunicorn",
        action="append",
        default=[],
        metavar="GUNICORN_NAME=VALUE",
        help="measure with one of gunicorn.conf.py's settings changed (repeatable)",
    )
    args = parser.parse_args()
    tweaks = dict(item.split("=", 1) for item in args.gunicorn)
    if any(not name.startswith("GUNICORN_") for name in tweaks):
        raise SystemExit("--gunicorn takes GUNICORN_... settings of gunicorn.conf.py")
    if "GUNICORN_BIND" in tweaks:
        raise SystemExit("the bench chooses the address itself")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups below

    started = time.monotonic()
    wrk = ensure_tool("wrk", "wrk")
    with ExitStack() as stack:
        folder = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="somehub-bench-"))
        )
        cache_url = os.environ.get("CACHE_URL") or start_redis(stack, folder)
        env = production_env(
            DATABASE_URL=args.database_url,
            CACHE_URL=cache_url,
            DJANGO_HTTPS="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            DJANGO_STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            EMAIL_URL=f"filemail://{folder / 'mail'}",
            # The site with the baseline under /bench/ (scripts/benchsite).
            DJANGO_SETTINGS_MODULE="scripts.benchsite.settings",
            LOG_LEVEL="WARNING",
        )
        if args.db_pool:
            env["DJANGO_DB_POOL"] = "1"
        if args.no_page_cache:
            env["SOMEHUB_PAGE_CACHE"] = "0"

        log(f"recreating {urlsplit(args.database_url).path.lstrip('/')}")
        recreate_database(args.database_url)
        manage(env, "migrate", "--noinput", "-v0")
        seeded = seed(env, args.scale).strip()
        log(seeded)
        manage(env, "collectstatic", "--noinput", "-v0")

        log("counting queries per page (test client)")
        probe = subprocess.run(
            [PYTHON, "-c", PROBE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            raise SystemExit(f"query count failed:\n{probe.stderr[-3000:]}")
        found = json.loads(probe.stdout.strip().splitlines()[-1])
        cookie_name, cookie_value = found["session_cookie"]
        cookie = f"{cookie_name}={cookie_value}"

        port = free_port()
        # gunicorn reads gunicorn.conf.py from the project folder, as in production.
        server_env = {**env, **tweaks, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        server = stack.enter_context(
            process(
                [PYTHON, "-m", "gunicorn"],
                folder / "gunicorn.out",
                cwd=ROOT,
                env=server_env,
            )
        )
        wait_for_port(port, server, folder / "gunicorn.out")
        base = f"http://127.0.0.1:{port}"
        script = folder / "report.lua"
        script.write_text(WRK_REPORT)
        pages = found["pages"]

        log("warming up")
        for page in pages:
            headers = {"Cookie": cookie} if page["member"] else {}
            for _ in range(4):
                fetch(base + page["path"], headers)
            run_wrk(
                wrk,
                script,
                base + page["path"],
                cookie if page["member"] else None,
                args,
                1,
            )

        runs: dict[str, list[dict[str, Any]]] = {p["page"]: [] for p in pages}
        for round_no in range(args.rounds):
            log(f"round {round_no + 1} of {args.rounds}")
            # Rotate the order so that no page always runs first or last.
            shift = round_no % len(pages)
            for page in pages[shift:] + pages[:shift]:
                runs[page["page"]].append(
                    run_wrk(
                        wrk,
                        script,
                        base + page["path"],
                        cookie if page["member"] else None,
                        args,
                        args.duration,
                    )
                )
        weight = page_weight(base, folder)
        gunicorn_log = (folder / "gunicorn.out").read_text()[-2000:]
        gunicorn_settings = shipped_settings(server_env)

    rows = []
    for page in pages:
        rounds = runs[page["page"]]
        requests = sum(r["requests"] for r in rounds)
        seconds = sum(r["duration_us"] for r in rounds) / 1e6
        rows.append(
            {
                **page,
                "rps": requests / seconds,
                "p50_ms": statistics.median(r["p50_us"] for r in rounds) / 1000,
                "p99_ms": statistics.median(r["p99_us"] for r in rounds) / 1000,
                "errors": sum(r["errors"] + r["non_2xx"] for r in rounds),
                "rounds": rounds,
            }
        )
    fortunes = next(r["rps"] for r in rows if r["page"] == "fortunes")
    for row in rows:
        row["ratio"] = row["rps"] / fortunes

    print()
    print(table(rows))
    described = ", ".join(f"{k}={v}" for k, v in gunicorn_settings.items())
    if tweaks:
        changed = " ".join(f"{k}={v}" for k, v in tweaks.items())
        print(f"\ngunicorn.conf.py TWEAKED by --gunicorn {changed}: {described}")
    else:
        print(f"\ngunicorn.conf.py as shipped: {described}")
    print(
        f"queries: first request / repeat (a cache hit); {args.rounds} rounds of "
        f"{args.duration:g} s per page, wrk -t{args.threads} -c{args.connections}; "
        f"database connections: {'psycopg pool' if args.db_pool else 'persistent'}; "
        f"page cache {'off' if args.no_page_cache else 'on'}"
    )
    assets = " + ".join(
        f"{a['bytes'] / 1024:.1f} KB {a['path'].rsplit('/', 1)[-1]} ({a['encoding']})"
        for a in weight["assets"]
    )
    print(
        f"home page, compressed: {weight['html_gzip_bytes'] / 1024:.1f} KB HTML "
        f"(gzip) + {assets} = {weight['total_compressed_bytes'] / 1024:.1f} KB"
    )
    errors = sum(r["errors"] for r in rows)
    if errors:
        print(f"\nWARNING: {errors} failed or non-2xx responses\n{gunicorn_log}")

    out = args.out or ROOT / "var" / "bench" / f"{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "when": datetime.now().astimezone().isoformat(timespec="seconds"),
                "revision": git_revision(),
                "label": args.label,
                "dataset": seeded,
                "settings": {
                    "gunicorn": gunicorn_settings,
                    "gunicorn_tweaks": tweaks,
                    "rounds": args.rounds,
                    "duration_s": args.duration,
                    "connections": args.connections,
                    "threads": args.threads,
                    "db_pool": args.db_pool,
                    "page_cache": not args.no_page_cache,
                    "cache": "redis" if cache_url.startswith("redis") else cache_url,
                },
                "pages": rows,
                "home_weight": weight,
            },
            indent=2,
        )
    )
    log(
        f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
