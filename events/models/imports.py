"""What imports made, and the imports the Orga-Team runs from the admin.

An import from the old blog remembers, for every post, comment and photo it took
over, where it came from and a checksum of what it read. The next import finds the
item again: unchanged items are left alone, changed ones update what was made from
them, and old addresses of the blog lead to the new recaps.
"""

import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.importers.report import ImportReport
from events.models.recap import Comment, Recap, RecapPhoto

IMPORT_CONTENT = "events.import_content"

# An upload that was checked but never confirmed is kept this long, then removed
# (it holds the old blog's commenters' addresses).
UNCONFIRMED_KEPT = timedelta(hours=24)


def legacy_path(url_or_path: str) -> str:
    """An old address in the one form it is looked up by: decoded, lower case,
    without host, query and the slashes around it."""
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", url_or_path.strip(), flags=re.I)
    path = path.split("?", 1)[0].split("#", 1)[0]
    return unquote(path).strip("/").casefold()[:500]


class ImportedItemQuerySet(models.QuerySet["ImportedItem"]):
    def of_source(self, source: str) -> "ImportedItemQuerySet":
        return self.filter(source=source)

    def redirect_target(self, path: str, query: dict[str, str]) -> Recap | None:
        """The published recap an old address of the blog stands for, if any:
        `/?p=123`, `/?page_id=7`, the post's old permalink, or a date-and-slug
        address whose slug was a post's."""
        posts = self.filter(kind__in=[ImportedItem.Kind.POST, ImportedItem.Kind.PAGE])
        item = None
        for key in ("p", "page_id"):
            value = query.get(key, "")
            if value.isdigit():
                item = posts.filter(external_id=value).first()
                break
        else:
            wanted = legacy_path(path)
            if not wanted:
                return None
            item = posts.filter(legacy_path=wanted).first()
            if item is None:
                # /2016/09/28/slug/ after the blog changed its permalinks, or /slug/
                match = re.fullmatch(r"(?:\d{4}/\d{1,2}(?:/\d{1,2})?/)?([^/]+)", wanted)
                if match:
                    item = posts.filter(legacy_slug=match[1]).first()
        if item is None or item.recap is None:
            return None
        recap = item.recap
        return recap if recap.is_published else None


class ImportedItem(models.Model):
    """One item of an imported source and the object made from it."""

    class Kind(models.TextChoices):
        POST = "post", _("post")
        PAGE = "page", _("page")
        COMMENT = "comment", _("comment")
        PHOTO = "photo", _("photo")

    # The old blog's address: two blogs' post 12 are different posts.
    source = models.CharField(_("source"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    external_id = models.CharField(_("ID at the source"), max_length=100)
    checksum = models.CharField(_("checksum"), max_length=64)
    recap = models.ForeignKey(
        Recap, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    photo = models.ForeignKey(
        RecapPhoto, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    legacy_path = models.CharField(_("old address"), max_length=500, blank=True)
    legacy_slug = models.CharField(_("old slug"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ImportedItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported item")
        verbose_name_plural = _("imported items")
        constraints = [
            # One item of a source makes one object, however often it is imported.
            models.UniqueConstraint(
                fields=["source", "kind", "external_id"], name="imported_item_unique"
            ),
            # Each record points at exactly the kind of object it says it made.
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["post", "page"], recap__isnull=False)
                    | Q(kind="comment", comment__isnull=False)
                    | Q(kind="photo", photo__isnull=False)
                ),
                name="imported_item_has_object",
            ),
        ]
        indexes = [
            # Old permalinks are looked up when a visitor follows one (a 404).
            models.Index(
                fields=["legacy_path"],
                name="imported_item_path_idx",
                condition=~Q(legacy_path=""),
            ),
            models.Index(
                fields=["legacy_slug"],
                name="imported_item_slug_idx",
                condition=~Q(legacy_slug=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id}"


class ImportRunQuerySet(models.QuerySet["ImportRun"]):
    def unconfirmed_since(self, moment: Any) -> "ImportRunQuerySet":
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)


class ImportRun(models.Model):
    """An import started in the admin: checked first (a dry run the organizer
    reads), then run on confirmation. The uploaded file is kept only in between."""

    class Kind(models.TextChoices):
        WORDPRESS = "wordpress", _("WordPress export")
        CALENDAR = "calendar", _("Calendar (iCal)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source_name = models.CharField(_("file or address"), max_length=500)
    data = models.BinaryField(_("file"), editable=False)
    options = models.JSONField(_("options"), default=dict)
    report = models.JSONField(_("report"), default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("checked"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("imported"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        permissions = [
            ("import_content", _("Can import recaps and dates from other sites")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.source_name}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def confirm(self) -> bool:
        """Claim the run for importing; False when it was confirmed already (a
        second click, another organizer), so that it runs once."""
        claimed = ImportRun.objects.filter(
            pk=self.pk, confirmed_at__isnull=True
        ).update(confirmed_at=timezone.now())
        return claimed == 1

    @property
    def result(self) -> ImportReport:
        return ImportReport.from_json(self.report)

    def finish(self, report: dict[str, Any]) -> None:
        """The import ran: keep its report, drop the file (it holds the old blog's
        commenters' e-mail and IP addresses)."""
        self.report = report
        self.data = b""
        self.finished_at = timezone.now()
        self.save(update_fields=["report", "data", "finished_at"])

    @classmethod
    def forget_unconfirmed(cls) -> int:
        """Remove checked uploads nobody confirmed within a day."""
        cutoff = timezone.now() - UNCONFIRMED_KEPT
        deleted, _ = cls.objects.unconfirmed_since(cutoff).delete()
        return deleted
