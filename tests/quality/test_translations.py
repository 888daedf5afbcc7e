"""German and English are complete: every msgid in the source has a German translation.

`makemessages` runs on a temporary copy of the project (the real catalogue is never
touched) and must find no msgid that `locale/de/LC_MESSAGES/django.po` lacks; that
catalogue must have no untranslated or fuzzy entry, and the committed `django.mo`
must be compiled from it. English is the source language, so a msgid written in
German would show German to English readers: that fails too.

Helpers write their German strings into `locale/parts/*.po`; these tests pass once
they are merged into the catalogue (`make messages`).
"""

import ast
import gettext
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scripts.prodserver import ROOT, production_env

CATALOGUE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
NOT_SOURCE = {
    ".venv",
    "var",
    ".lighthouse",
    "node_modules",
    ".git",
    "__pycache__",
    "media",
}
GERMAN_LETTERS = re.compile(r"[äöüÄÖÜß]")
# msgids that are German on purpose (names), and may keep their letters in English.
GERMAN_NAMES = {"Südstadt"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)

    def where(self) -> str:
        places = ", ".join(self.locations[:3]) or "?"
        return f"{self.msgid!r} ({places})"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete entries left out."""
    entries, entry, current = [], Entry(), None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry.msgid or entry.msgstr:
                entries.append(entry)
            entry, current = Entry(), None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#:"):
            entry.locations += line[2:].split()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(entry, current, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            current = keyword
            if keyword.startswith("msgstr"):
                entry.msgstr.append("")
            elif keyword == "msgctxt":
                entry.msgctxt = ""
            append(entry, current, ast.literal_eval(value))
    return [e for e in entries if e.msgid]


def append(entry: Entry, keyword: str | None, text: str) -> None:
    if keyword is None:
        return
    if keyword.startswith("msgstr"):
        entry.msgstr[-1] += text
    elif keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    else:
        setattr(entry, keyword, getattr(entry, keyword) + text)


def gettext_tools() -> None:
    missing = [
        tool for tool in ("xgettext", "msgmerge", "msgfmt") if not shutil.which(tool)
    ]
    if missing:
        pytest.skip(f"GNU gettext is not installed ({', '.join(missing)} missing)")


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory) -> Iterator[list[Entry]]:
    """What `make messages` would write now, made in a copy of the project."""
    gettext_tools()
    copy = tmp_path_factory.mktemp("messages") / "somehub"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE, "*.pyc"))
    env = production_env(DJANGO_DEBUG="1")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "de",
            "--no-obsolete",
            "--add-location",
            "file",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    yield read_po(copy / "locale" / "de" / "LC_MESSAGES" / "django.po")


def test_makemessages_finds_no_string_missing_from_the_german_catalogue(
    fresh_catalogue: list[Entry],
) -> None:
    known = {entry.key for entry in read_po(CATALOGUE)}
    new = [entry.where() for entry in fresh_catalogue if entry.key not in known]
    assert not new, (
        f"{len(new)} msgids are not in {CATALOGUE.relative_to(ROOT)} yet (merge "
        "locale/parts/*.po and run `make messages`):\n  " + "\n  ".join(new)
    )


def test_german_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    entries = read_po(CATALOGUE)
    untranslated = [e.where() for e in entries if not e.translated]
    fuzzy = [e.where() for e in entries if "fuzzy" in e.flags]
    assert not untranslated, "Untranslated:\n  " + "\n  ".join(untranslated)
    assert not fuzzy, "Fuzzy (check and remove the flag):\n  " + "\n  ".join(fuzzy)


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    gettext_tools()
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE)], check=True
    )
    with compiled.open("rb") as fresh, COMPILED.open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        actual = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
    stale = sorted(str(k) for k in expected.keys() ^ actual.keys())
    stale += sorted(
        str(k) for k in expected.keys() & actual.keys() if expected[k] != actual[k]
    )
    assert not stale, (
        "locale/de/LC_MESSAGES/django.mo is not compiled from django.po "
        "(run `make messages`):\n  " + "\n  ".join(stale[:30])
    )


def test_source_strings_are_english(fresh_catalogue: list[Entry]) -> None:
    german = [
        entry.where()
        for entry in fresh_catalogue
        if GERMAN_LETTERS.search(entry.msgid)
        and not any(name in entry.msgid for name in GERMAN_NAMES)
    ]
    assert not german, (
        "msgids must be English (German goes into the catalogue):\n  "
        + "\n  ".join(german)
    )


def test_po_reader_understands_plurals_context_and_fuzzy(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        "#: events/models.py\n#, fuzzy, python-format\n"
        'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n'
        'msgid "%(n)s place"\nmsgid_plural "%(n)s places"\n'
        'msgstr[0] "%(n)s Platz"\nmsgstr[1] ""\n\n'
        'msgid ""\n"two "\n"lines"\nmsgstr "zwei Zeilen"\n\n'
        '#~ msgid "old"\n#~ msgstr "alt"\n',
        encoding="utf-8",
    )
    may, place, lines = read_po(po)
    assert may.key == ("month", "May") and "fuzzy" in may.flags
    assert may.locations == ["events/models.py"] and may.translated
    assert place.msgid_plural == "%(n)s places" and not place.translated
    assert lines.msgid == "two lines" and lines.msgstr == ["zwei Zeilen"]
