"""SoMeHub in production mode on 127.0.0.1, the way the README documents it.

gunicorn with `gunicorn.conf.py`, `DJANGO_DEBUG` off, collected and compressed static
files, and (for `demo_server`) a throwaway SQLite database with demo data. Used by
`make lighthouse` and `tests/quality/test_production_start.py`; run it by itself to
look at the production build:

    .venv/bin/python scripts/prodserver.py [--port 8010]      # Ctrl+C stops it
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
START_TIMEOUT = 60

# Builds the demo data of the quality checks and prints the URLs worth measuring.
DEMO_CODE = """
import json, django
django.setup()
from tests.quality.pages import build_demo
demo = build_demo()
urls = {"home": "/", "event": demo.next_event.get_absolute_url()}
if hasattr(demo, "recap"):
    urls["recap"] = demo.recap.get_absolute_url()
print(json.dumps(urls))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(**overrides: str) -> dict[str, str]:
    """This machine's environment without any SoMeHub setting, then production ones."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SOMEHUB_", "GUNICORN_"))
        and not key.endswith("_URL")
        and key not in ("LOG_FORMAT", "CACHE_KEY_PREFIX")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="somehub.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def seed(env: dict[str, str], scale: float) -> str:
    """The benchmark's data set into the empty database of `env`."""
    result = subprocess.run(
        [PYTHON, "-m", "scripts.benchsite.seed", "--scale", str(scale)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding the bench data failed:\n{result.stderr}")
    return result.stdout


def collectstatic(env: dict[str, str]) -> None:
    manage(env, "collectstatic", "--noinput", "-v0")


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, log_path: Path, app: str = "", cwd: Path = ROOT
) -> Iterator[str]:
    """gunicorn as documented, until the block ends; yields its base URL.

    `app` replaces gunicorn.conf.py's `somehub.wsgi:application` when given; `cwd`
    is the copy of the code it runs.
    """
    env = {
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", *([app] if app else [])],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, process, log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # TERM: gunicorn's graceful shutdown
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not start in time:\n{log_path.read_text()[-3000:]}"
    )


@dataclass
class Server:
    url: str
    pages: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    mail: Path | None = None


@contextmanager
def demo_server(port: int | None = None, *, https: bool = False) -> Iterator[Server]:
    """A production-mode server on a fresh SQLite database with demo data."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="somehub-prod-") as tmp:
        folder = Path(tmp)
        env = production_env(
            # Links in pages, feeds and e-mails point at this very server.
            SITE_URL=f"{'https' if https else 'http'}://127.0.0.1:{port}",
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            DJANGO_STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            EMAIL_URL=f"filemail://{folder / 'mail'}",
            DJANGO_HTTPS="1" if https else "0",
        )
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo")
        result = subprocess.run(
            [PYTHON, "-c", DEMO_CODE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"demo data failed:\n{result.stderr}")
        pages = json.loads(result.stdout.strip().splitlines()[-1])
        collectstatic(env)
        log = folder / "gunicorn.log"
        media_app = "scripts.prodserver_wsgi:application"  # nginx's part
        with gunicorn(env, port, log, media_app) as url:
            yield Server(url, pages, log, folder / "mail")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8010)
    args = parser.parse_args()
    # `kill`/systemd stop: leave through the `with` blocks, which stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with demo_server(args.port) as server:
        print(f"SoMeHub in production mode on {server.url} (Ctrl+C stops it)")
        for name, path in server.pages.items():
            print(f"  {name}: {server.url}{path}")
        print(f"  e-mails (login codes too) are written as files to {server.mail}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
