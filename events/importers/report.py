"""What an import did (or, in a dry run, would do), item by item.

The same report is printed by the management commands, shown in the admin before
and after the organizer confirms, and kept with the admin's import as JSON.
"""

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Action(models.TextChoices):
    CREATED = "created", gettext_lazy("created")
    UPDATED = "updated", gettext_lazy("updated")
    UNCHANGED = "unchanged", gettext_lazy("unchanged")
    SKIPPED = "skipped", gettext_lazy("skipped")
    FAILED = "failed", gettext_lazy("failed")


class ItemKind(models.TextChoices):
    RECAP = "recap", gettext_lazy("recaps")
    PAGE = "page", gettext_lazy("pages")
    COMMENT = "comment", gettext_lazy("comments")
    PHOTO = "photo", gettext_lazy("photos")
    EVENT = "event", gettext_lazy("dates")
    VENUE = "venue", gettext_lazy("venues")


@dataclass
class Entry:
    action: str
    kind: str
    label: str
    reason: str = ""

    @property
    def action_label(self) -> str:
        return str(Action(self.action).label)


@dataclass
class ImportReport:
    """Entries, notes (things the organizer should know, such as a missing photo
    file) and, when the whole source could not be read, the error."""

    dry_run: bool = False
    source: str = ""
    entries: list[Entry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    def add(self, action: Action, kind: ItemKind, label: str, reason: str = "") -> None:
        self.entries.append(Entry(str(action), str(kind), label, str(reason)))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def fail(self, error: str) -> "ImportReport":
        self.error = error
        return self

    @property
    def ok(self) -> bool:
        return not self.error

    def count(self, kind: str, action: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind and e.action == action)

    def counts(self) -> dict[str, dict[str, int]]:
        """{kind: {action: n}} for the kinds that occur, in a fixed order."""
        seen: dict[str, Counter[str]] = {}
        for entry in self.entries:
            seen.setdefault(entry.kind, Counter())[entry.action] += 1
        return {
            kind: {action: seen[kind][action] for action in Action.values}
            for kind in ItemKind.values
            if kind in seen
        }

    def skip_reasons(self, kind: str | None = None) -> list[tuple[str, str, int]]:
        """(kind, reason, how many) of the skipped and failed items, most first."""
        reasons = Counter(
            (e.kind, e.reason)
            for e in self.entries
            if e.action in (Action.SKIPPED, Action.FAILED)
            and (kind is None or e.kind == kind)
        )
        return [(k, r, n) for (k, r), n in reasons.most_common()]

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per kind, with labels, for the admin's table."""
        return [
            {"kind": ItemKind(kind).label, **counts}
            for kind, counts in self.counts().items()
        ]

    def lines(self, details: bool = False) -> list[str]:
        """The report as text, for the command line."""
        out = []
        if self.dry_run:
            out.append(
                _("Dry run: nothing was saved. This is what the import would do.")
            )
        if self.error:
            out.append(_("Nothing was imported: %(error)s") % {"error": self.error})
            return out
        for kind, counts in self.counts().items():
            parts = [f"{Action(action).label} {n}" for action, n in counts.items() if n]
            out.append(f"{ItemKind(kind).label}: {', '.join(parts)}")
        reasons = self.skip_reasons()
        if reasons:
            out.append(_("Skipped or failed, and why:"))
            out += [
                f"  {n} × {ItemKind(kind).label}: {reason}"
                for kind, reason, n in reasons
            ]
        if self.notes:
            out.append(_("Notes:"))
            out += [f"  - {note}" for note in self.notes]
        if details:
            out.append(_("Item by item:"))
            out += [
                f"  [{Action(e.action).label}] {ItemKind(e.kind).label}: {e.label}"
                + (f" ({e.reason})" if e.reason else "")
                for e in self.entries
            ]
        out.append(_("Took %(seconds).1f s.") % {"seconds": self.seconds})
        return out

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ImportReport":
        entries = [Entry(**e) for e in data.get("entries", [])]
        return cls(
            dry_run=data.get("dry_run", False),
            source=data.get("source", ""),
            entries=entries,
            notes=list(data.get("notes", [])),
            error=data.get("error", ""),
            seconds=data.get("seconds", 0.0),
        )
