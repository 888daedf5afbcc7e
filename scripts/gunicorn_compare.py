"""Which gunicorn settings serve this site best? Candidates measured side by side.

`make bench` measures one configuration (the shipped one, or one changed with
`--gunicorn`), and a machine shared with others drifts between two such runs. This
script seeds the bench database once (as `make bench` does), then, round after
round, starts gunicorn with each candidate in turn (gunicorn.conf.py plus that
candidate's GUNICORN_* variables) and loads the same pages with wrk, so that every
candidate meets the same drift.

On a machine others use too, requests per second say as much about their load as
about ours. So it also reads, from /proc, the CPU time gunicorn's processes (master,
workers, recycled workers) spent per request served: that is what a setting costs,
whatever else runs. And the busiest worker's share of that CPU time (with 5 workers,
20 % is an even spread), which shows keep-alive connections piling onto one worker.

    .venv/bin/python scripts/gunicorn_compare.py [--rounds 3] [--duration 3]
        [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    PROBE,
    PYTHON,
    WRK_REPORT,
    ensure_tool,
    fetch,
    log,
    process,
    recreate_database,
    run_wrk,
    start_redis,
)
from scripts.prodserver import (  # noqa: E402
    free_port,
    manage,
    production_env,
    seed,
    wait_for_port,
)

SHIPPED_BEFORE = {
    "GUNICORN_WORKER_CLASS": "gthread",
    "GUNICORN_THREADS": "4",
    "GUNICORN_MAX_REQUESTS": "2000",
    "GUNICORN_MAX_REQUESTS_JITTER": "200",
    "GUNICORN_ACCESS_LOG": "1",
    "GUNICORN_KEEPALIVE": "5",
}
CANDIDATES: dict[str, dict[str, str]] = {
    "gthread x4, log, recycle 2000, keep-alive 5 (before)": SHIPPED_BEFORE,
    "gthread x4, keep-alive off": {**SHIPPED_BEFORE, "GUNICORN_KEEPALIVE": "0"},
    "sync, log, recycle 2000": {**SHIPPED_BEFORE, "GUNICORN_WORKER_CLASS": "sync"},
    "sync, no access log, recycle 2000": {
        **SHIPPED_BEFORE,
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_ACCESS_LOG": "0",
    },
    "sync, log, no recycling": {
        **SHIPPED_BEFORE,
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_MAX_REQUESTS": "0",
    },
    "sync, log, recycle 20000 +-2000": {
        **SHIPPED_BEFORE,
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_MAX_REQUESTS": "20000",
        "GUNICORN_MAX_REQUESTS_JITTER": "2000",
    },
    "sync, no access log, recycle 20000 +-2000 (shipped now)": {},
}
PAGES = ["fortunes", "home", "event detail", "home, member"]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_times(master: int) -> tuple[float, dict[int, float]]:
    """Seconds of CPU used by gunicorn so far: the master with its reaped workers,
    and each live worker."""

    def read(pid: int) -> list[int]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return [int(x) for x in fields[11:15]]  # utime stime cutime cstime

    utime, stime, cutime, cstime = read(master)
    workers = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            workers[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    own = (utime + stime + cutime + cstime) / TICKS
    return own + sum(workers.values()), workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--reuse-database",
        action="store_true",
        help="the bench database is seeded already (by make bench or a run before)",
    )
    args = parser.parse_args()
    wrk = ensure_tool("wrk", "wrk")
    results: dict[str, dict[str, list[dict]]] = {
        name: {page: [] for page in PAGES} for name in CANDIDATES
    }
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = production_env(
            DATABASE_URL=args.database_url,
            CACHE_URL=os.environ.get("CACHE_URL") or start_redis(stack, folder),
            DJANGO_HTTPS="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
            DJANGO_STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            EMAIL_URL=f"filemail://{folder / 'mail'}",
            # The site with the baseline under /bench/ (scripts/benchsite).
            DJANGO_SETTINGS_MODULE="scripts.benchsite.settings",
            LOG_LEVEL="WARNING",
        )
        if not args.reuse_database:
            log("recreating and seeding the bench database")
            recreate_database(args.database_url)
            manage(env, "migrate", "--noinput", "-v0")
            seed(env, 1.0)
        manage(env, "collectstatic", "--noinput", "-v0")
        probe = subprocess.run(
            [PYTHON, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
        )
        found = json.loads(probe.stdout.strip().splitlines()[-1])
        cookie = "=".join(found["session_cookie"])
        paths = {p["page"]: (p["path"], p["member"]) for p in found["pages"]}
        script = folder / "report.lua"
        script.write_text(WRK_REPORT)
        for round_no in range(args.rounds):
            order = list(CANDIDATES.items())
            shift = round_no % len(order)
            for name, tweaks in order[shift:] + order[:shift]:
                log(f"round {round_no + 1}: {name}")
                port = free_port()
                server_env = {**env, **tweaks, "GUNICORN_BIND": f"127.0.0.1:{port}"}
                with process(
                    [PYTHON, "-m", "gunicorn"],
                    folder / f"gunicorn-{port}.out",
                    cwd=ROOT,
                    env=server_env,
                ) as server:
                    wait_for_port(port, server, folder / f"gunicorn-{port}.out")
                    base = f"http://127.0.0.1:{port}"
                    for page in PAGES:
                        path, member = paths[page]
                        for _ in range(3):
                            fetch(base + path, {"Cookie": cookie} if member else {})
                        before, workers_before = cpu_times(server.pid)
                        run = run_wrk(
                            wrk,
                            script,
                            base + path,
                            cookie if member else None,
                            args,
                            args.duration,
                        )
                        after, workers_after = cpu_times(server.pid)
                        spent = {
                            pid: used - workers_before.get(pid, 0.0)
                            for pid, used in workers_after.items()
                        }
                        run["cpu_us_per_request"] = (
                            (after - before) / max(run["requests"], 1) * 1e6
                        )
                        run["busiest_worker_share"] = max(spent.values()) / max(
                            sum(spent.values()), 1e-9
                        )
                        results[name][page].append(run)

    def cell(runs: list[dict], key: str) -> float:
        return float(statistics.median(r[key] for r in runs))

    summary: dict[str, dict[str, dict[str, float]]] = {}
    for name in CANDIDATES:
        summary[name] = {}
        for page in PAGES:
            runs = results[name][page]
            for r in runs:
                r["rps"] = r["requests"] / r["duration_us"] * 1e6
            summary[name][page] = {
                "rps": cell(runs, "rps"),
                "p99_ms": cell(runs, "p99_us") / 1000,
                "cpu_us_per_request": cell(runs, "cpu_us_per_request"),
                "busiest_worker_share": cell(runs, "busiest_worker_share"),
                "errors": sum(r["errors"] + r["non_2xx"] for r in runs),
            }
    for title, key, fmt in (
        (
            "CPU time per request, µs (gunicorn's processes)",
            "cpu_us_per_request",
            "{:.0f}",
        ),
        ("busiest worker's share of the CPU time", "busiest_worker_share", "{:.0%}"),
        ("requests per second (depends on the machine's other load)", "rps", "{:.0f}"),
        ("p99 latency, ms", "p99_ms", "{:.0f}"),
    ):
        print(f"\n{title}, median of {args.rounds} rounds")
        header = f"{'candidate':<52}" + "".join(f"{p:>14}" for p in PAGES)
        print(header)
        print("-" * len(header))
        for name in CANDIDATES:
            values = [fmt.format(summary[name][p][key]) for p in PAGES]
            print(f"{name:<52}" + "".join(f"{v:>14}" for v in values))
    errors = {n: sum(v["errors"] for v in summary[n].values()) for n in summary}
    print(
        f"\n{args.duration} s per page and round, wrk -t{args.threads} "
        f"-c{args.connections}; errors or non-2xx: {errors}"
    )
    if args.out:
        args.out.write_text(json.dumps({"candidates": CANDIDATES, "pages": summary}))


if __name__ == "__main__":
    main()
