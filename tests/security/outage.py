"""Pointing the app at a database that does not answer, and back."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

# Nothing listens on port 1: connecting fails at once, as with a stopped server.
CLOSED_PORT = "1"


@contextmanager
def database_unreachable(alias: str = "default") -> Iterator[None]:
    """While inside, every new connection of `alias` is refused."""
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=CLOSED_PORT)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
