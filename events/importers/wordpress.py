"""Importing the old WordPress blog: posts become recaps, with their comments and
pictures. Run by `manage.py import_wordpress` and from the admin.

Every post, comment and photo is one item, imported all or nothing in its own
transaction: one that fails is reported and the others go on. Each item is
recorded (ImportedItem) with a checksum of what was read, so that running the
import again changes nothing, and a post edited on the old blog since updates its
recap. A dry run decides exactly the same, and saves nothing.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.importers.report import Action, ImportReport, ItemKind
from events.importers.wpcontent import (
    Attachment,
    AttachmentIndex,
    ContentConverter,
    comment_text,
    link_photos,
    strip_tags,
)
from events.importers.wxr import WxrComment, WxrError, WxrExport, WxrItem, parse_wxr
from events.models import (
    BodyFormat,
    Comment,
    ImportedItem,
    Recap,
    RecapPhoto,
    RecapStatus,
)
from events.models.imports import legacy_path
from somehub.lib.dates import format_local
from somehub.lib.images import open_upload
from somehub.lib.slugs import german_slugify

logger = logging.getLogger(__name__)

# Photos on the old blog are often straight from the camera: larger than members'
# uploads may be. They are scaled down and re-encoded all the same.
MAX_PHOTO_BYTES = 25 * 1024 * 1024
LEAD_LENGTH = 600
TITLE_LENGTH = Recap._meta.get_field("title").max_length or 160


@dataclass
class WordPressOptions:
    uploads: Path | None = None
    # Slugs or names of categories and tags whose posts count as recaps; empty: all.
    categories: list[str] = field(default_factory=list)
    pages: bool = False
    dry_run: bool = False


def import_wordpress(data: bytes, options: WordPressOptions) -> ImportReport:
    """Import an export (WXR file contents); the report says what happened."""
    started = time.monotonic()
    report = ImportReport(dry_run=options.dry_run)
    try:
        export = parse_wxr(data)
    except WxrError as exc:
        return report.fail(str(exc))
    if options.uploads is not None and not options.uploads.is_dir():
        return report.fail(
            _("The uploads folder %(path)s does not exist.") % {"path": options.uploads}
        )
    WordPressImport(export, options, report).run()
    report.seconds = round(time.monotonic() - started, 2)
    return report


def checksum(data: Any) -> str:
    encoded = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


@dataclass
class Plan:
    """What becomes of one post or page."""

    item: WxrItem
    kind: str  # ImportedItem.Kind
    status: str
    slug: str = ""
    notes: list[str] = field(default_factory=list)


class WordPressImport:
    def __init__(
        self, export: WxrExport, options: WordPressOptions, report: ImportReport
    ) -> None:
        self.export = export
        self.options = options
        self.report = report
        self.source = export.source
        report.source = export.title or self.source
        self.index = AttachmentIndex(export)
        self.records: dict[tuple[str, str], ImportedItem] = {
            (r.kind, r.external_id): r
            for r in ImportedItem.objects.of_source(self.source).select_related(
                "recap", "comment"
            )
        }
        self.wanted = {c.strip().casefold() for c in options.categories if c.strip()}
        self.slug_for_path: dict[str, str] = {}
        self.slug_for_id: dict[str, str] = {}
        self.missing_files: list[str] = []
        self.unavailable = 0

    # The whole export ----------------------------------------------------------

    def run(self) -> None:
        plans = []
        ignored = 0
        for item in self.export.items:
            if item.type not in ("post", "page"):
                ignored += item.type != "attachment"
                continue
            plan = self._plan(item)
            if plan is not None:
                plans.append(plan)
        self._plan_slugs(plans)
        for plan in plans:
            self._import(plan)
        self._closing_notes(ignored)

    def _plan(self, item: WxrItem) -> Plan | None:
        """Whether and how a post or page is imported; a skip is reported here."""
        kind = ImportedItem.Kind.PAGE if item.type == "page" else ImportedItem.Kind.POST
        report_kind = ItemKind.PAGE if item.type == "page" else ItemKind.RECAP
        label = self._title(item)
        reason = ""
        if item.type == "page" and not self.options.pages:
            reason = _("pages are not imported unless asked for (--pages)")
        elif item.status == "private":
            reason = _("private on the old blog")
        elif item.status == "trash":
            reason = _("in the old blog's trash")
        elif item.status not in ("publish", "future", "draft", "pending"):
            reason = _("status “%(status)s”") % {"status": item.status}
        elif item.type == "post" and self.wanted and not item.in_terms(self.wanted):
            reason = _("not in the chosen categories or tags")
        elif item.status in ("publish", "future") and item.date is None:
            reason = _("no publication date in the export")
        if reason:
            self.report.add(Action.SKIPPED, report_kind, label, reason)
            self._skip_comments(item)
            return None
        plan = Plan(item, kind, RecapStatus.PUBLISHED)
        if item.status in ("draft", "pending") or item.type == "page":
            plan.status = RecapStatus.DRAFT
        if item.password:
            plan.status = RecapStatus.DRAFT
            plan.notes.append(
                _("“%(title)s” was protected by a password: imported as a draft.")
                % {"title": label}
            )
        return plan

    def _plan_slugs(self, plans: list[Plan]) -> None:
        """Every recap's address, decided before any is saved, so that links
        between the old posts can point at the new recaps."""
        taken = set(Recap.objects.values_list("slug", flat=True))
        for plan in plans:
            record = self.records.get((plan.kind, plan.item.id))
            if record is not None and record.recap is not None:
                plan.slug = record.recap.slug
            else:
                base = (
                    slugify(legacy_path(plan.item.slug))[:150]
                    or german_slugify(strip_tags(plan.item.title))[:150]
                    or f"post-{plan.item.id}"
                )
                slug, n = base, 2
                while slug in taken:
                    slug, n = f"{base}-{n}", n + 1
                plan.slug = slug
            taken.add(plan.slug)
            if plan.status == RecapStatus.PUBLISHED:
                self.slug_for_id[plan.item.id] = plan.slug
                if plan.item.link:
                    self.slug_for_path[legacy_path(plan.item.link)] = plan.slug

    def _post_link(self, href: str) -> str | None:
        """The new address for a link to one of the old posts, if it is one."""
        host_ok = href.startswith("/") or any(
            f"//{host}" in href.casefold() for host in self.index.hosts
        )
        if not host_ok:
            return None
        query = href.split("?", 1)[1] if "?" in href else ""
        for pair in query.split("&"):
            key, _eq, value = pair.partition("=")
            if key in ("p", "page_id") and value in self.slug_for_id:
                return _recap_url(self.slug_for_id[value])
        slug = self.slug_for_path.get(legacy_path(href))
        return _recap_url(slug) if slug else None

    # One post ------------------------------------------------------------------

    def _import(self, plan: Plan) -> None:
        item = plan.item
        report_kind = ItemKind.PAGE if item.type == "page" else ItemKind.RECAP
        label = self._title(item)
        converter = ContentConverter(self.index, item, self._post_link)
        converted = converter.convert(item.content)
        keys = list(converted.attachments)
        cover_key = item.meta.get("_thumbnail_id", "").strip()
        if cover_key in self.index.by_key and cover_key not in keys:
            keys.append(cover_key)
        available = {key: self._photo_available(item, key) for key in keys}
        fields = {
            "title": self._title(item),
            "lead": Truncator(strip_tags(item.excerpt)).chars(LEAD_LENGTH),
            "byline": self.export.authors.get(item.creator, item.creator)[:120],
            "status": plan.status,
            "published_at": item.date if plan.status == RecapStatus.PUBLISHED else None,
            "comments_open": item.comment_status != "closed",
        }
        digest = checksum(
            {
                **fields,
                "content": item.content,
                "slug": item.slug,
                "link": item.link,
                "cover": cover_key,
                "photos": sorted(available.items()),
            }
        )
        record = self.records.get((plan.kind, item.id))
        for note in plan.notes:
            self.report.note(note)
        if record is not None and record.checksum == digest:
            self.report.add(Action.UNCHANGED, report_kind, label)
            self._comments(item, record.recap)
            return
        for note in converter.notes:
            self.report.note(f"{label}: {note}")
        action = Action.UPDATED if record is not None else Action.CREATED
        recap = record.recap if record is not None else None
        if not self.options.dry_run:
            try:
                recap = self._save_recap(
                    plan, record, fields, digest, converted.html, keys, cover_key
                )
            except (DatabaseError, ValidationError, OSError, ValueError) as exc:
                logger.exception("WordPress import of post %s failed", item.id)
                self.report.add(Action.FAILED, report_kind, label, _error(exc))
                self._skip_comments(item, _("their post could not be imported"))
                return
        else:
            self._count_photos(item, keys, available)
        self.report.add(action, report_kind, label)
        self._comments(item, recap)

    def _save_recap(
        self,
        plan: Plan,
        record: ImportedItem | None,
        fields: dict[str, Any],
        digest: str,
        text: str,
        keys: list[str],
        cover_key: str,
    ) -> Recap:
        item = plan.item
        stored: list[str] = []
        try:
            with transaction.atomic():
                recap = record.recap if record is not None else None
                if recap is None:
                    recap = Recap(slug=plan.slug)
                for name, value in fields.items():
                    setattr(recap, name, value)
                recap.body_format = BodyFormat.HTML
                recap.body = ""
                recap.save()
                photos = self._photos(item, recap, keys, cover_key, stored)
                recap.cover_id = photos.get(cover_key, recap.cover_id)
                recap.body = link_photos(text, photos, lambda key: None)
                recap.save(update_fields=["body", "cover", "updated_at"])
                ImportedItem.objects.update_or_create(
                    source=self.source,
                    kind=plan.kind,
                    external_id=item.id,
                    defaults={
                        "checksum": digest,
                        "recap": recap,
                        "legacy_path": legacy_path(item.link) if item.link else "",
                        "legacy_slug": legacy_path(item.slug),
                    },
                )
        except BaseException:
            # Files written for a post that was not saved would be left behind.
            storage = RecapPhoto._meta.get_field("image").storage
            for name in stored:
                storage.delete(name)
            raise
        return recap

    # Photos --------------------------------------------------------------------

    def _photo_record(self, item: WxrItem, key: str) -> ImportedItem | None:
        return self.records.get((ImportedItem.Kind.PHOTO, f"{item.id}/{key}"))

    def _photo_available(self, item: WxrItem, key: str) -> bool:
        if self._photo_record(item, key) is not None:
            return True
        return self._photo_file(self.index.by_key[key]) is not None

    def _photo_file(self, attachment: Attachment) -> Path | None:
        """The local copy of a picture in the uploads folder, if there is one."""
        root = self.options.uploads
        if root is None:
            return None
        root = root.resolve()
        for relative in attachment.candidate_paths():
            path = (root / relative).resolve()
            # A path in the export must not lead out of the uploads folder.
            if path.is_relative_to(root) and path.is_file():
                return path
        return None

    def _count_photos(
        self, item: WxrItem, keys: list[str], available: dict[str, bool]
    ) -> None:
        """The dry run's account of the pictures."""
        for key in keys:
            attachment = self.index.by_key[key]
            if self._photo_record(item, key) is not None:
                continue
            if available[key]:
                self.report.add(Action.CREATED, ItemKind.PHOTO, attachment.path)
            else:
                self._missing(attachment)

    def _missing(self, attachment: Attachment) -> None:
        self.unavailable += 1
        if self.options.uploads is not None:
            self.missing_files.append(attachment.path)

    def _photos(
        self,
        item: WxrItem,
        recap: Recap,
        keys: list[str],
        cover_key: str,
        stored: list[str],
    ) -> dict[str, int]:
        """{attachment key: photo id} for the post's pictures that are here."""
        photos: dict[str, int] = {}
        in_text = {k for k in keys if k != cover_key}
        for position, key in enumerate(keys):
            attachment = self.index.by_key[key]
            record = self._photo_record(item, key)
            if record is not None:
                # Imported before (and perhaps deleted here since): not again.
                if record.photo_id is not None:
                    photos[key] = record.photo_id
                continue
            path = self._photo_file(attachment)
            if path is None:
                self._missing(attachment)
                continue
            try:
                photo = self._store_photo(recap, attachment, path, position)
            except ValidationError as exc:
                self.report.add(
                    Action.SKIPPED, ItemKind.PHOTO, attachment.path, _error(exc)
                )
                continue
            stored.extend(f.name for f in photo._files() if f)
            photo.in_text = key in in_text
            photo.save()
            ImportedItem.objects.create(
                source=self.source,
                kind=ImportedItem.Kind.PHOTO,
                external_id=f"{item.id}/{key}",
                checksum=checksum(attachment.path),
                photo=photo,
                legacy_path=legacy_path(f"/wp-content/uploads/{attachment.path}"),
            )
            photos[key] = photo.pk
            self.report.add(Action.CREATED, ItemKind.PHOTO, attachment.path)
        return photos

    def _store_photo(
        self, recap: Recap, attachment: Attachment, path: Path, position: int
    ) -> RecapPhoto:
        if path.stat().st_size > MAX_PHOTO_BYTES:
            raise ValidationError(_("larger than 25 MB"))
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        image = open_upload(upload, max_bytes=MAX_PHOTO_BYTES)
        photo = RecapPhoto(
            recap=recap, alt_text=attachment.alt_text[:300], position=position
        )
        photo.store(image)
        return photo

    # Comments ------------------------------------------------------------------

    def _skip_comments(self, item: WxrItem, reason: str = "") -> None:
        for comment in item.comments:
            why = _skip_reason(comment) or reason or _("their post is not imported")
            self.report.add(
                Action.SKIPPED, ItemKind.COMMENT, _comment_label(comment, item), why
            )

    def _comments(self, item: WxrItem, recap: Recap | None) -> None:
        """The post's approved comments, each on its own, parents first."""
        by_id = {c.id: c for c in item.comments}
        imported: dict[str, Comment | None] = {}
        for wxr in _parents_first(item.comments):
            label = _comment_label(wxr, item)
            reason = _skip_reason(wxr)
            text = comment_text(wxr.content)
            if not reason and not text:
                reason = _("no text")
            if reason:
                self.report.add(Action.SKIPPED, ItemKind.COMMENT, label, reason)
                continue
            parent_id = _imported_ancestor(wxr, by_id, imported)
            written_at = wxr.date or item.date or timezone.now()
            digest = checksum(
                {
                    "author": wxr.author,
                    "email": wxr.email,
                    "date": written_at,
                    "text": text,
                    "parent": parent_id,
                }
            )
            record = self.records.get((ImportedItem.Kind.COMMENT, wxr.id))
            if record is not None and record.checksum == digest:
                imported[wxr.id] = record.comment
                self.report.add(Action.UNCHANGED, ItemKind.COMMENT, label)
                continue
            action = Action.UPDATED if record is not None else Action.CREATED
            if self.options.dry_run or recap is None:
                imported[wxr.id] = record.comment if record is not None else None
                self.report.add(action, ItemKind.COMMENT, label)
                continue
            parent = imported.get(parent_id) if parent_id else None
            try:
                with transaction.atomic():
                    imported[wxr.id] = self._save_comment(
                        wxr, recap, record, parent, text, written_at, digest
                    )
            except (DatabaseError, ValidationError, ValueError) as exc:
                logger.exception("WordPress import of comment %s failed", wxr.id)
                self.report.add(Action.FAILED, ItemKind.COMMENT, label, _error(exc))
                continue
            self.report.add(action, ItemKind.COMMENT, label)

    def _save_comment(
        self,
        wxr: WxrComment,
        recap: Recap,
        record: ImportedItem | None,
        parent: Comment | None,
        text: str,
        written_at: Any,
        digest: str,
    ) -> Comment:
        name = wxr.author or _("Anonymous")
        email = wxr.email if "@" in wxr.email else ""
        if record is None or record.comment is None:
            comment = recap.add_guest_comment(
                name=name, email=email, text=text, written_at=written_at, parent=parent
            )
        else:
            comment = record.comment
            comment.body, comment.created_at, comment.parent = text, written_at, parent
            if comment.author_id is None and not comment.is_deleted:
                comment.guest_name, comment.guest_email = name[:100], email
            comment.save()
        ImportedItem.objects.update_or_create(
            source=self.source,
            kind=ImportedItem.Kind.COMMENT,
            external_id=wxr.id,
            defaults={"checksum": digest, "comment": comment},
        )
        return comment

    # Reporting -----------------------------------------------------------------

    def _title(self, item: WxrItem) -> str:
        title = " ".join(strip_tags(item.title).split())
        if not title:
            when = format_local(item.date, "long") if item.date else item.id
            title = _("Untitled post of %(date)s") % {"date": when}
        return Truncator(title).chars(TITLE_LENGTH)

    def _closing_notes(self, ignored: int) -> None:
        if ignored:
            self.report.note(
                ngettext(
                    "%(count)d other item of the export (menu entries and the "
                    "like) is not content and was left alone.",
                    "%(count)d other items of the export (menu entries and the "
                    "like) are not content and were left alone.",
                    ignored,
                )
                % {"count": ignored}
            )
        if self.options.uploads is None and self.unavailable:
            self.report.note(
                ngettext(
                    "No uploads folder was given, so %(count)d picture was left "
                    "out. Run the import again with a copy of the old blog's "
                    "wp-content/uploads folder (--uploads) to add it.",
                    "No uploads folder was given, so %(count)d pictures were left "
                    "out. Run the import again with a copy of the old blog's "
                    "wp-content/uploads folder (--uploads) to add them.",
                    self.unavailable,
                )
                % {"count": self.unavailable}
            )
        for path in sorted(set(self.missing_files)):
            self.report.note(
                _("Picture not in the uploads folder, left out: %(path)s")
                % {"path": path}
            )


def _recap_url(slug: str) -> str:
    return reverse("events:recap-detail", kwargs={"slug": slug})


def _error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return Truncator(f"{type(exc).__name__}: {exc}").chars(200)


def _skip_reason(comment: WxrComment) -> str:
    if comment.type == "pingback":
        return _("pingback")
    if comment.type == "trackback":
        return _("trackback")
    if comment.approved == "spam":
        return _("marked as spam")
    if comment.approved == "trash":
        return _("in the trash")
    if comment.approved != "1":
        return _("not approved")
    return ""


def _comment_label(comment: WxrComment, item: WxrItem) -> str:
    when = format_local(comment.date, "medium") if comment.date else ""
    title = Truncator(strip_tags(item.title)).chars(50)
    return _("%(name)s on “%(title)s”, %(date)s") % {
        "name": comment.author or _("Anonymous"),
        "title": title,
        "date": when,
    }


def _parents_first(comments: list[WxrComment]) -> list[WxrComment]:
    by_id = {c.id: c for c in comments}

    def depth(comment: WxrComment) -> int:
        n, seen = 0, {comment.id}
        while comment.parent_id in by_id and comment.parent_id not in seen:
            comment = by_id[comment.parent_id]
            seen.add(comment.id)
            n += 1
        return n

    return sorted(comments, key=lambda c: (depth(c), c.date or timezone.now(), c.id))


def _imported_ancestor(
    comment: WxrComment,
    by_id: dict[str, WxrComment],
    imported: dict[str, Comment | None],
) -> str:
    """The nearest comment above this one that was imported (a reply to a comment
    that was not approved answers the one above it, or the post)."""
    seen = {comment.id}
    parent = comment.parent_id
    while parent and parent != "0" and parent not in seen:
        if parent in imported:
            return parent
        seen.add(parent)
        above = by_id.get(parent)
        parent = above.parent_id if above is not None else ""
    return ""
