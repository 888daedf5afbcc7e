"""Turn environment URLs into Django settings that django-environ does not cover."""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SMTP_SCHEMES = {"smtp", "smtps", "smtp+tls", "smtp+ssl"}
BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def mailer_from_url(url: str, base_dir: Path) -> dict[str, object]:
    """One entry of Django 6.1's ``MAILERS`` setting from an ``EMAIL_URL``.

    ``filemail://PATH`` keeps the whole path (``filemail:///tmp/mail`` is absolute,
    ``filemail://var/mail`` is relative to the project), unlike django-environ,
    which drops the first path segment.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in SMTP_SCHEMES:
        options: dict[str, object] = {
            "host": parts.hostname or "localhost",
            "port": parts.port,
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": scheme in {"smtps", "smtp+tls"},
            "use_ssl": scheme == "smtp+ssl",
            "timeout": 10,
        }
        query = parse_qs(parts.query)
        if "timeout" in query:
            options["timeout"] = int(query["timeout"][0])
        return {"BACKEND": BACKENDS["smtp"], "OPTIONS": options}
    if scheme == "filemail":
        raw = unquote(parts.netloc + parts.path)
        if not raw:
            raise ImproperlyConfigured("EMAIL_URL filemail:// needs a directory path.")
        path = Path(raw)
        if not path.is_absolute():
            path = base_dir / path
        return {"BACKEND": BACKENDS["file"], "OPTIONS": {"file_path": str(path)}}
    if scheme == "consolemail":
        return {"BACKEND": BACKENDS["console"]}
    if scheme == "memorymail":
        return {"BACKEND": BACKENDS["memory"]}
    if scheme == "dummymail":
        return {"BACKEND": BACKENDS["dummy"]}
    raise ImproperlyConfigured(
        f"EMAIL_URL has an unknown scheme {scheme!r}; use smtp://, smtps://, "
        "smtp+ssl://, filemail://, consolemail:// or memorymail://."
    )
