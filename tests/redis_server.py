"""A private Redis server for tests that stop, pause or reconfigure their cache
(the machine's own Redis is shared with everything else on it)."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> "redis.Redis[bytes]":
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def pause(self) -> None:
        """Still accepting connections, never answering: a hung server."""
        self.process.send_signal(19)  # SIGSTOP

    def resume(self) -> None:
        self.process.send_signal(18)  # SIGCONT


@contextmanager
def private_redis(tmp_path: Path, *config: str) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
            *config,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(process, port)
    try:
        for _ in range(100):
            try:
                if server.client().ping():
                    break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        yield server
    finally:
        server.resume()
        process.terminate()
        process.wait(timeout=10)
