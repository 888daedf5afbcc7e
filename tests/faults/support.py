"""Real processes for the fault tests: the mail worker, gunicorn, a cuttable link to
Postgres. Everything listens on 127.0.0.1 and is stopped by the test that started it.
"""

import email
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.db import connection

from scripts.prodserver import ROOT, free_port, production_env


def database_url() -> str:
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def via_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{port}"))


def worker_env(folder: Path, database: str, **extra: str) -> dict[str, str]:
    return production_env(
        DATABASE_URL=database,
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        EMAIL_URL=f"filemail://{folder / 'mail'}",
        MEDIA_ROOT=str(folder / "media"),
        DJANGO_HTTPS="0",
        DJANGO_CONN_MAX_AGE="0",
        DATABASE_CONNECT_TIMEOUT="2",
        LOG_FORMAT="plain",
        **extra,
    )


@contextmanager
def db_worker(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen]:
    """`manage.py db_worker` in its own process, stopped (TERM, then KILL) after."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def message_ids(folder: Path) -> Counter[str]:
    """How often each Message-ID was written by the file mail backend."""
    found: Counter[str] = Counter()
    if not folder.exists():
        return found
    for path in folder.iterdir():
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                found[email.message_from_bytes(raw.lstrip())["Message-ID"]] += 1
    return found


class CuttableLink:
    """A TCP proxy on 127.0.0.1 in front of Postgres that the test can cut.

    `cut()` drops every open connection and refuses new ones, as a stopped server
    does; `mend()` lets connections through again. The machine's Postgres is shared
    by other developers, so the test cuts this link instead of stopping the server.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "CuttableLink":
        self.mend()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def mend(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            ready, _, _ = select.select([listener], [], [], 0.1)
            if not ready:
                continue
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def children_of(pid: int) -> list[int]:
    """The process ids whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
