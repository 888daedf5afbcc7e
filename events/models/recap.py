import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import Storage
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from PIL import Image

from accounts.limits import Limit
from accounts.models import Field, MailTopic, User, Viewer
from accounts.unsubscribe import unsubscribe_url
from events.models.audit import record
from events.models.rsvp import RSVP, RSVPStatus
from somehub.lib.fields import OneLineCharField, derive_on_save
from somehub.lib.images import fit_within, random_stem, square
from somehub.lib.mail import build_mail
from somehub.lib.markdown import render_markdown
from somehub.lib.outbox import enqueue_with_transaction
from somehub.lib.queries import count_per_row
from somehub.lib.richtext import clean_rich_html
from somehub.lib.text import plain_text_to_html

logger = logging.getLogger(__name__)

# Organizer powers over comments and recaps are plain Django permissions.
MODERATE_COMMENTS = "events.change_comment"
MANAGE_RECAPS = "events.change_recap"


class RecapStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class PhotoReview(models.TextChoices):
    """A photo by an attendee waits for the Orga-Team; theirs are shown at once."""

    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# Attendees' photos: plenty for one evening's pictures, not a flood for the queue.
PHOTO_UPLOADS = Limit(
    "recap-photo",
    12,
    timedelta(hours=1),
    _(
        "You have added %(count)s photos in the last %(minutes)s minutes. Please "
        "wait a little before you add more."
    ),
)
# Who approves attendees' photos: those who edit photos in the admin.
REVIEW_PHOTOS = "events.change_recapphoto"


class BodyFormat(models.TextChoices):
    """What the text is written in: Markdown here, or HTML from the old blog."""

    MARKDOWN = "markdown", _("Markdown")
    HTML = "html", _("HTML (imported)")


class RecapQuerySet(models.QuerySet["Recap"]):
    def published(self, now: datetime | None = None) -> "RecapQuerySet":
        """Recaps the public may read: published, and their publish date has come."""
        return self.filter(
            status=RecapStatus.PUBLISHED, published_at__lte=now or timezone.now()
        )

    def visible_to(self, user: Viewer | None) -> "RecapQuerySet":
        """Drafts and scheduled recaps are for the Orga-Team only."""
        if user is not None and user.has_perm("events.view_recap"):
            return self.all()
        return self.published()

    def newest_first(self) -> "RecapQuerySet":
        # Drafts (no date yet) come first for the Orga-Team; the index matches this.
        return self.order_by("-published_at", "-pk")

    def with_viewer_attendance(self, user: Any) -> "RecapQuerySet":
        """Annotate `viewer_was_there` (checked in, or going), so that the page
        knows whether to offer the viewer the photo form without a query."""
        if user is None or not user.is_authenticated:
            return self.annotate(viewer_was_there=models.Value(False))
        was_there = RSVP.objects.filter(
            Q(checked_in_at__isnull=False) | Q(status=RSVPStatus.GOING),
            event_id=OuterRef("event_id"),
            member_id=user.pk,
        )
        return self.annotate(viewer_was_there=Exists(was_there))

    def with_event(self) -> "RecapQuerySet":
        return self.select_related("event__venue", "cover", "author__profile")

    def with_comment_counts(self) -> "RecapQuerySet":
        """`comment_count`: the comments a visitor sees, as one subquery per row."""
        visible = Comment.objects.visible().filter(recap=OuterRef("pk"))
        return self.annotate(comment_count=Coalesce(count_per_row(visible, "recap"), 0))


class Recap(models.Model):
    """The organizer's write-up of one evening."""

    event = models.OneToOneField(
        "events.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recap",
        verbose_name=_("event"),
        help_text=_(
            "The evening this recap tells about. Posts imported from the old blog "
            "may have none."
        ),
    )
    title = OneLineCharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    lead = models.TextField(_("lead paragraph"), max_length=600, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown is allowed."))
    # A Markdown text as safe HTML, made when it is saved (see body_html).
    rendered_body = models.TextField(blank=True, editable=False)
    body_format = models.CharField(
        _("text format"),
        max_length=10,
        choices=BodyFormat.choices,
        default=BodyFormat.MARKDOWN,
        editable=False,
    )
    byline = models.CharField(
        _("byline"),
        max_length=120,
        blank=True,
        help_text=_(
            "The author's name as shown, when it is not one of the members "
            "(posts imported from the old blog)."
        ),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recaps",
        verbose_name=_("author"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RecapStatus.choices,
        default=RecapStatus.DRAFT,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cover = models.ForeignKey(
        "events.RecapPhoto",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover photo"),
    )
    comments_open = models.BooleanField(_("comments open"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RecapQuerySet.as_manager()

    class Meta:
        verbose_name = _("recap")
        verbose_name_plural = _("recaps")
        ordering = ["-published_at"]
        indexes = [
            # The recap list and the home page show published recaps newest first;
            # the index follows newest_first() exactly (-published_at, -pk), so a
            # page of them is read in order instead of sorting every recap.
            models.Index(
                F("status"),
                F("published_at").desc(),
                F("id").desc(),
                name="recap_newest_first_idx",
            ),
        ]
        constraints = [
            # A published recap without a date would sort nowhere in the list.
            models.CheckConstraint(
                condition=~Q(status=RecapStatus.PUBLISHED)
                | Q(published_at__isnull=False),
                name="recap_published_has_date",
            ),
            # Status values outside the choices would hide a recap from every list.
            models.CheckConstraint(
                condition=Q(status__in=RecapStatus.values), name="recap_status_valid"
            ),
            # A format the page cannot render would show the text as it is stored.
            models.CheckConstraint(
                condition=Q(body_format__in=BodyFormat.values),
                name="recap_body_format_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Imported HTML is cleaned on every render (body_html), not stored.
        def html() -> str:
            markdown = self.body_format != BodyFormat.HTML
            return render_markdown(self.body) if markdown else ""

        derive_on_save(self, kwargs, ["body", "body_format"], "rendered_body", html)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:recap-detail", kwargs={"slug": self.slug})

    @cached_property
    def body_html(self) -> SafeString:
        """The text for the page. Imported HTML is cleaned again on every render,
        so that an edit in the admin can never bring in what the import kept out;
        its pictures are this recap's own photos."""
        if self.body_format != BodyFormat.HTML:
            return mark_safe(self.rendered_body)  # noqa: S308 - sanitised at save
        photos: dict[int, RecapPhoto] | None = None

        def photo_url(photo_id: int, size: str) -> str | None:
            nonlocal photos
            if photos is None:
                photos = {p.pk: p for p in self.photos.all() if p.is_approved}
            photo = photos.get(photo_id)
            return photo.url_for(size) if photo is not None else None

        return clean_rich_html(self.body, photo_url)

    @property
    def author_name(self) -> str:
        """The name in the byline: as the old blog had it, else the member's."""
        if self.byline:
            return self.byline
        return self.author.display_name if self.author else ""

    @property
    def date(self) -> datetime | None:
        """The day the recap is about: its evening, else when it was published."""
        if self.event is not None:
            return self.event.starts_at
        return self.published_at

    @property
    def is_published(self) -> bool:
        return (
            self.status == RecapStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def accepts_comments(self) -> bool:
        return self.is_published and self.comments_open

    def publish(self, when: datetime | None = None) -> None:
        """Publish now, or at `when`; a date the organizer set already is kept."""
        self.status = RecapStatus.PUBLISHED
        self.published_at = when or self.published_at or timezone.now()
        self.save(update_fields=["status", "published_at", "updated_at"])

    def unpublish(self) -> None:
        self.status = RecapStatus.DRAFT
        self.save(update_fields=["status", "updated_at"])

    def next_photo_position(self) -> int:
        """The position after this recap's last photo."""
        last = self.photos.aggregate(last=models.Max("position"))["last"]
        return 0 if last is None else last + 1

    def close_comments(self, by: User | None = None) -> None:
        self.comments_open = False
        self.save(update_fields=["comments_open", "updated_at"])
        _audit(by, self, gettext_noop("Closed comments"))

    def open_comments(self, by: User | None = None) -> None:
        self.comments_open = True
        self.save(update_fields=["comments_open", "updated_at"])
        _audit(by, self, gettext_noop("Opened comments"))

    # Comments -----------------------------------------------------------------

    def add_comment(
        self, author: User, text: str, parent: "Comment | None" = None
    ) -> "Comment":
        """A member's new comment or reply, after every rule; the mails follow commit.

        Raises ValidationError with a message for the member when a rule says no.
        """
        if not self.is_published:
            raise ValidationError(
                _("This recap is not published, so it cannot be commented on yet."),
                code="draft",
            )
        if not self.comments_open:
            raise ValidationError(
                _("Comments on this recap are closed."), code="closed"
            )
        if not getattr(author, "has_verified_email", False):
            raise ValidationError(
                _("Please confirm your e-mail address before you comment."),
                code="unverified",
            )
        body = Comment.clean_text(text)
        if parent is not None:
            parent.check_accepts_reply(self)
        with Comment.LIMIT.use(author):
            comment = Comment.objects.create(
                recap=self, author=author, parent=parent, body=body
            )
            transaction.on_commit(comment.send_notifications)
        return comment

    def add_guest_comment(
        self,
        *,
        name: str,
        email: str,
        text: str,
        written_at: datetime,
        parent: "Comment | None" = None,
    ) -> "Comment":
        """A comment from the old blog by someone without an account here, kept as
        it was written: the rules for new comments and the e-mails do not apply."""
        return Comment.objects.create(
            recap=self,
            parent=parent,
            guest_name=name[:100],
            guest_email=email,
            body=text,
            created_at=written_at,
        )

    def comment_thread(self, viewer: Viewer | None) -> list["Comment"]:
        """Top-level comments in time order, each with `shown_replies`; one query.

        The site shows replies one level deep. A reply to a reply (imported from
        the old blog, where threads went deeper) keeps its real parent and is shown
        under the comment that started its thread, saying whom it answers
        (`answers`).

        Each comment carries what the viewer may do with it (`viewer_can_edit`, ...)
        so that the template asks no questions that cost queries.
        """
        can_moderate = bool(viewer is not None and viewer.has_perm(MODERATE_COMMENTS))
        rows = self.comments.select_related("author__profile")
        if can_moderate:
            # The Orga-Team sees which comments were reported (in the same query).
            reported = Count("reports", filter=Q(reports__resolved_at__isnull=True))
            rows = rows.annotate(**{"open_report_count": reported})
        comments = list(rows.order_by("created_at", "pk"))
        by_pk = {comment.pk: comment for comment in comments}
        now = timezone.now()
        replies: dict[int, list[Comment]] = {}
        for comment in comments:
            comment.annotate_for(viewer, can_moderate=can_moderate, now=now)
            comment.answers = None
            if comment.parent_id is None or not comment.shown_as_reply(can_moderate):
                continue
            root = _thread_root(comment, by_pk)
            if root.pk != comment.parent_id:
                comment.answers = by_pk.get(comment.parent_id)
            replies.setdefault(root.pk, []).append(comment)
        thread: list[Comment] = []
        for comment in comments:
            if comment.parent_id is not None:
                continue
            comment.shown_replies = replies.get(comment.pk, [])
            if comment.shown_as_top_level(can_moderate):
                thread.append(comment)
        return thread

    def attendance(self) -> "Attendance":
        """Who was there: checked in at the door when anyone was, else those going."""
        if self.event_id is None:
            return Attendance([])
        checked_in = RSVP.objects.filter(
            event_id=OuterRef("event_id"), checked_in_at__isnull=False
        )
        rsvps = (
            RSVP.objects.filter(event_id=self.event_id)
            .filter(
                Q(checked_in_at__isnull=False)
                | (Q(status=RSVPStatus.GOING) & ~Exists(checked_in))
            )
            .select_related("member__profile")
        )
        return Attendance(list(rsvps))

    # Attendees' photos: those who were there add theirs; the Orga-Team approves.

    def may_add_photos(self, member: Any) -> bool:
        """Was the member there: checked in at the door, or going? (Read from
        `with_viewer_attendance(member)` when the recap was loaded with it.)"""
        if not (member.is_authenticated and self.is_published and self.event_id):
            return False
        if hasattr(self, "viewer_was_there"):
            return bool(self.viewer_was_there)
        return RSVP.objects.filter(
            Q(checked_in_at__isnull=False) | Q(status=RSVPStatus.GOING),
            event_id=self.event_id,
            member_id=member.pk,
        ).exists()

    def add_attendee_photo(
        self, member: Any, image: Image.Image, alt_text: str
    ) -> "RecapPhoto":
        """Keep a member's photo (decoded by somehub.lib.images.open_upload, so
        re-encoded without metadata) until an organizer approves it. Raises
        PermissionDenied for someone who was not there, RateLimited past the limit.
        """
        if not self.may_add_photos(member):
            raise PermissionDenied("Only those who were there add photos.")
        with PHOTO_UPLOADS.use(member):
            last = self.photos.aggregate(last=models.Max("position"))["last"]
            photo = RecapPhoto(
                recap=self,
                contributor=member,
                review=PhotoReview.PENDING,
                alt_text=" ".join(alt_text.split()),
                position=(last or 0) + 1,
            )
            photo.store(image)
            photo.save()
        return photo

    def photos_by(self, member: Any) -> models.QuerySet["RecapPhoto"]:
        """The member's own photos of this recap, whatever their review."""
        # Not self.photos: the page prefetches the approved ones only.
        return RecapPhoto.objects.filter(recap=self, contributor_id=member.pk).order_by(
            "pk"
        )


def photos_awaiting_approval() -> "RecapPhotoQuerySet":
    """Attendees' photos the Orga-Team has yet to look at, oldest first (for the
    Orga-Team's to-do list)."""
    return RecapPhoto.objects.awaiting_approval()


def _thread_root(comment: "Comment", by_pk: dict[int, "Comment"]) -> "Comment":
    """The top-level comment a reply hangs under, however deep it is."""
    seen = {comment.pk}
    while comment.parent_id is not None and comment.parent_id in by_pk:
        comment = by_pk[comment.parent_id]
        if comment.pk in seen:  # pragma: no cover - a loop the database should not hold
            break
        seen.add(comment.pk)
    return comment


@dataclass
class Attendance:
    """The people at one evening, and what a viewer may see of them."""

    rsvps: list[RSVP]
    field_counts: list[tuple[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        # The mix counts everyone who gave a field: numbers, not names, so members
        # who keep their profile or attendance to themselves are not shown by it.
        counts = Counter(
            profile.field
            for profile in (getattr(r.member, "profile", None) for r in self.rsvps)
            if profile is not None and profile.field
        )
        self.field_counts = sorted(
            counts.items(), key=lambda item: (-item[1], Field(item[0]).label)
        )

    @property
    def total(self) -> int:
        return len(self.rsvps)

    @property
    def from_check_in(self) -> bool:
        return any(r.checked_in_at for r in self.rsvps)

    @property
    def field_mix(self) -> list[str]:
        """["Recruiting: 3 people", "Coaching: 1 person", ...], largest first."""
        return [
            ngettext(
                "%(field)s: %(count)s person", "%(field)s: %(count)s people", count
            )
            % {"field": Field(value).label, "count": count}
            for value, count in self.field_counts
        ]

    def listed_for(self, viewer: Any) -> list[Any]:
        """Profiles of those who agreed to be listed and whom the viewer may see."""
        profiles = []
        for rsvp in self.rsvps:
            profile = getattr(rsvp.member, "profile", None)
            if (
                profile is not None
                and profile.show_in_attendee_lists
                and profile.is_visible_to(viewer)
            ):
                profiles.append(profile)
        return sorted(profiles, key=lambda p: p.name.casefold())


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


class RecapPhotoQuerySet(models.QuerySet["RecapPhoto"]):
    def approved(self) -> "RecapPhotoQuerySet":
        """What the recap page shows."""
        return self.filter(review=PhotoReview.APPROVED)

    def awaiting_approval(self) -> "RecapPhotoQuerySet":
        return (
            self.filter(review=PhotoReview.PENDING)
            .select_related("recap", "contributor__profile")
            .order_by("submitted_at", "pk")
        )


class RecapPhoto(models.Model):
    """A photo of the evening: stored re-encoded, without metadata, in three sizes.
    The Orga-Team's photos are shown at once; an attendee's after approval."""

    # Longest side of the kept original, the page size and the square grid thumbnail.
    ORIGINAL_SIZE = 2560
    DISPLAY_SIZE = 1600
    MEDIUM_SIZE = 800
    THUMBNAIL_SIZE = 480

    recap = models.ForeignKey(
        Recap, on_delete=models.CASCADE, related_name="photos", verbose_name=_("recap")
    )
    image = models.ImageField(
        _("photo"), upload_to="recaps/", width_field="width", height_field="height"
    )
    display = models.ImageField(_("display size"), upload_to="recaps/", blank=True)
    # Phones load this one (srcset): a quarter of the display size's pixels.
    medium = models.ImageField(_("medium size"), upload_to="recaps/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="recaps/", blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    alt_text = models.CharField(
        _("description (alt text)"),
        max_length=300,
        help_text=_("What is in the photo, for people who cannot see it."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    in_text = models.BooleanField(
        _("shown in the text"),
        default=False,
        help_text=_("Shown where the text places it, not again under the text."),
    )
    # Set for a photo an attendee added; empty for the Orga-Team's own.
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recap_photos",
        verbose_name=_("added by"),
    )
    review = models.CharField(
        _("review"),
        max_length=10,
        choices=PhotoReview.choices,
        default=PhotoReview.APPROVED,
    )
    submitted_at = models.DateTimeField(_("added"), default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    objects = RecapPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]
        constraints = [
            # An unknown review state would show a photo nobody approved.
            models.CheckConstraint(
                condition=Q(review__in=PhotoReview.values),
                name="recapphoto_review_valid",
            ),
        ]
        indexes = [
            # The Orga-Team's queue: photos awaiting approval, oldest first.
            models.Index(
                fields=["review", "submitted_at"], name="recapphoto_review_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text

    def store(self, image: Image.Image) -> None:
        """Keep a decoded upload (see somehub.lib.images.open_upload) in three sizes.

        Files of a replaced photo are removed once the new ones are saved.
        """
        old_files = [f.name for f in self._files() if f]
        stem = random_stem()
        original = fit_within(image, self.ORIGINAL_SIZE, stem)
        display = fit_within(image, self.DISPLAY_SIZE, f"{stem}-d")
        medium = fit_within(image, self.MEDIUM_SIZE, f"{stem}-m")
        thumb = square(image, self.THUMBNAIL_SIZE, f"{stem}-t")
        self.image.save(str(original.file.name), original.file, save=False)
        self.display.save(str(display.file.name), display.file, save=False)
        self.medium.save(str(medium.file.name), medium.file, save=False)
        self.thumbnail.save(str(thumb.file.name), thumb.file, save=False)
        if old_files:
            storage = self.image.storage
            transaction.on_commit(lambda: _delete_files(storage, old_files))

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        names = [f.name for f in self._files() if f]
        storage = self.image.storage
        result = super().delete(*args, **kwargs)
        transaction.on_commit(lambda: _delete_files(storage, names))
        return result

    def _files(self) -> tuple[Any, ...]:
        return (self.image, self.display, self.medium, self.thumbnail)

    @property
    def is_approved(self) -> bool:
        return self.review == PhotoReview.APPROVED

    @property
    def is_pending(self) -> bool:
        return self.review == PhotoReview.PENDING

    def approve(self, by: Any) -> bool:
        """Show an attendee's photo on the recap; False if it was shown already."""
        return self._review(PhotoReview.APPROVED, by, _("Approved the photo."))

    def reject(self, by: Any) -> bool:
        """Keep it off the recap (the member still sees it, and may withdraw it)."""
        return self._review(PhotoReview.REJECTED, by, _("Rejected the photo."))

    def _review(self, review: str, by: Any, note: Any) -> bool:
        now = timezone.now()
        changed = (
            RecapPhoto.objects.filter(pk=self.pk)
            .exclude(review=review)
            .update(review=review, reviewed_at=now)
        )
        if changed:
            self.review, self.reviewed_at = review, now
            record(by, self, str(note))
        return bool(changed)

    def export_data(self) -> dict[str, Any]:
        """A photo the member added, for their DSGVO export."""
        return {
            "recap": self.recap.title,
            "recap_url": settings.SITE_URL + self.recap.get_absolute_url(),
            "photo_url": settings.SITE_URL + self.image.url if self.image else None,
            "description": self.alt_text,
            "review": self.review,
            "added_at": self.submitted_at.isoformat(),
        }

    def withdraw(self, member: Any) -> None:
        """The member takes their photo back: gone from the recap and the disk."""
        if self.contributor_id is None or self.contributor_id != member.pk:
            raise PermissionDenied("Only the member who added a photo withdraws it.")
        self.delete()  # a cover it was is unset (SET_NULL)

    @property
    def display_url(self) -> str:
        return (self.display or self.image).url

    def url_for(self, size: str) -> str:
        """The URL of one rendition ("original", "display", "medium", "thumbnail")."""
        files = {
            "original": self.image,
            "display": self.display,
            "medium": self.medium,
            "thumbnail": self.thumbnail,
        }
        return (files.get(size) or self.display or self.image).url

    @property
    def srcset(self) -> str:
        """Responsive sources for the cover: phones take the medium size."""
        width, height = self.width or 0, self.height or 0
        medium_width = round(width * min(1.0, self.MEDIUM_SIZE / max(width, height, 1)))
        if not (self.medium and self.display) or medium_width >= self.display_width:
            return ""
        return (
            f"{self.medium.url} {medium_width}w, "
            f"{self.display.url} {self.display_width}w"
        )

    @property
    def thumbnail_url(self) -> str:
        return (self.thumbnail or self.display or self.image).url

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height of the display rendition, from the original's size."""
        width, height = self.width or 0, self.height or 0
        scale = min(1.0, self.DISPLAY_SIZE / max(width, height, 1))
        return round(width * scale), round(height * scale)

    @property
    def display_width(self) -> int:
        return self.display_size[0]

    @property
    def display_height(self) -> int:
        return self.display_size[1]


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible(self) -> "CommentQuerySet":
        """Comments everybody sees: neither hidden by the Orga-Team nor deleted."""
        return self.filter(is_hidden=False, deleted_at__isnull=True)

    def reported(self) -> "CommentQuerySet":
        """Comments with a report the Orga-Team has not dealt with yet."""
        return self.filter(
            Exists(
                CommentReport.objects.filter(
                    comment=OuterRef("pk"), resolved_at__isnull=True
                )
            )
        )

    def by_member(self, user: User) -> "CommentQuerySet":
        return self.filter(author=user)

    def claimable_by(self, user: User) -> "CommentQuerySet":
        """Unclaimed guest comments written with one of the member's verified
        addresses (an unverified address proves nothing)."""
        addresses = (
            EmailAddress.objects.filter(user_id=user.pk, verified=True)
            .annotate(address=Lower("email"))
            .values("address")
        )
        return (
            self.filter(author__isnull=True)
            .exclude(guest_email="")
            .alias(address=Lower("guest_email"))
            .filter(address__in=Subquery(addresses))
        )

    def claim_for(self, user: User) -> int:
        """The member takes their old guest comments: from now on they show as
        the member's own, and the guest's name and address are gone."""
        return self.claimable_by(user).update(
            author=user, guest_name="", guest_email=""
        )


class Comment(models.Model):
    """A member's comment on a recap, or a reply to one (one level deep).

    Comments imported from the old blog were written by guests: they have no
    member, but the guest's name. The guest's e-mail address is kept only so that
    a member with the same verified address can claim them; it is never shown.
    """

    MAX_LENGTH = 5000
    EDIT_WINDOW = timedelta(minutes=15)
    # Comments and replies per member; the Orga-Team answers many after an evening.
    LIMIT = Limit(
        "comment",
        5,
        timedelta(minutes=10),
        _(
            "You have written %(count)s comments in the last %(minutes)s minutes. "
            "Please wait a few minutes before you write the next one."
        ),
        exempt_permission=MODERATE_COMMENTS,
    )
    # Edits per member (each within 15 minutes of writing).
    EDIT_LIMIT = Limit(
        "comment-edit",
        10,
        timedelta(minutes=10),
        _(
            "You have changed comments %(count)s times in the last %(minutes)s "
            "minutes. Please wait a few minutes before you change one again."
        ),
    )
    # Reports per member: enough for a bad thread, not for flooding the queue.
    REPORT_LIMIT = Limit(
        "comment-report",
        10,
        timedelta(hours=1),
        _(
            "You have reported %(count)s comments in the last %(minutes)s minutes. "
            "The Orga-Team will look at them; please wait before you report more."
        ),
    )

    recap = models.ForeignKey(
        Recap,
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("recap"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    guest_name = models.CharField(_("guest's name"), max_length=100, blank=True)
    guest_email = models.EmailField(
        _("guest's e-mail address"), blank=True, editable=False
    )
    body = models.TextField(_("comment"), max_length=5000)
    # The text as safe HTML (paragraphs, links), made when the text is saved: a
    # thread shows hundreds of comments, and turning text into HTML is the costly
    # part of showing one.
    body_html = models.TextField(_("comment as HTML"), blank=True, editable=False)
    # Imported comments keep the moment they were written on the old blog.
    created_at = models.DateTimeField(
        _("written"), default=timezone.now, editable=False
    )
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden by the Orga-Team"), default=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    # Set on the rows of a thread (Recap.thread_for) and of the admin's list.
    answers: "Comment | None"
    shown_replies: "list[Comment]"
    open_report_count: int

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            # A recap's thread is read by recap in time order.
            models.Index(fields=["recap", "created_at"], name="comment_recap_time_idx"),
            # Claiming looks for a member's addresses among unclaimed guest comments.
            models.Index(
                Lower("guest_email"),
                name="comment_guest_email_idx",
                condition=Q(author__isnull=True) & ~Q(guest_email=""),
            ),
        ]
        constraints = [
            # A comment cannot answer itself.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")),
                name="comment_not_own_parent",
            ),
            # A comment is a member's or a guest's, never both at once.
            models.CheckConstraint(
                condition=Q(author__isnull=True) | Q(guest_name="", guest_email=""),
                name="comment_member_or_guest",
            ),
            # Only a deleted comment (kept for its replies) may have no text.
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="comment_has_text",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def save(self, *args: Any, **kwargs: Any) -> None:
        derive_on_save(
            self, kwargs, ["body"], "body_html", lambda: plain_text_to_html(self.body)
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.recap.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_guest(self) -> bool:
        """Written by a guest on the old blog, and not claimed by a member yet."""
        return self.author_id is None and bool(self.guest_name)

    @property
    def author_name(self) -> str:
        if self.author is not None:
            return self.author.display_name
        return self.guest_name or str(_("deleted member"))

    @staticmethod
    def clean_text(text: str) -> str:
        body = (text or "").strip()
        if not body:
            raise ValidationError(_("Please write something first."), code="empty")
        if len(body) > Comment.MAX_LENGTH:
            raise ValidationError(
                _("A comment can be at most %(max)s characters long (it has %(n)s)."),
                code="too_long",
                params={"max": Comment.MAX_LENGTH, "n": len(body)},
            )
        return body

    def check_accepts_reply(self, recap: Recap) -> None:
        """Replies go one level deep, to visible comments of the same recap."""
        if self.recap_id != recap.pk:
            raise ValidationError(
                _("That comment belongs to another recap."), code="other_recap"
            )
        if self.parent_id is not None:
            raise ValidationError(
                _("You can only reply to a comment, not to a reply."),
                code="reply_to_reply",
            )
        if self.is_hidden or self.is_deleted:
            raise ValidationError(
                _("This comment is no longer there, so it cannot be replied to."),
                code="parent_gone",
            )

    # What a member and the Orga-Team may do --------------------------------------

    def edit_deadline(self) -> datetime:
        return self.created_at + self.EDIT_WINDOW

    def is_editable_by(self, user: Viewer | None, now: datetime | None = None) -> bool:
        return (
            user is not None
            and user.is_authenticated
            and user.pk is not None
            and self.author_id == user.pk
            and not self.is_deleted
            and not self.is_hidden
            and (now or timezone.now()) < self.edit_deadline()
        )

    def is_deletable_by(
        self, user: Viewer | None, can_moderate: bool | None = None
    ) -> bool:
        if user is None or not user.is_authenticated or self.is_deleted:
            return False
        if self.author_id == user.pk:
            return True
        if can_moderate is None:
            can_moderate = user.has_perm(MODERATE_COMMENTS)
        return can_moderate

    def edit(self, user: User, text: str) -> None:
        """The author rewrites their comment, within 15 minutes of writing it."""
        if user is None or self.author_id != user.pk:
            raise PermissionDenied("Only the author may edit a comment.")
        if not self.is_editable_by(user):
            raise ValidationError(
                _(
                    "A comment can only be edited in the first %(minutes)s minutes "
                    "after writing it."
                ),
                code="edit_window",
                params={"minutes": int(self.EDIT_WINDOW.total_seconds() // 60)},
            )
        self.body = self.clean_text(text)
        self.edited_at = timezone.now()
        with self.EDIT_LIMIT.use(user):
            self.save(update_fields=["body", "edited_at"])

    @transaction.atomic
    def delete_by(self, user: User) -> None:
        """The author or the Orga-Team removes a comment.

        One with replies stays as "comment deleted" (without its text) so that the
        thread still reads; a reply that was the last one under such a placeholder
        takes the placeholder (and any above it left empty) with it.
        """
        if not self.is_deletable_by(user):
            raise PermissionDenied("Only the author or the Orga-Team may delete.")
        if user.pk != self.author_id:
            _audit(user, self, gettext_noop("Deleted comment"))
        if self.replies.exists():
            # Replies from the old blog may hang on a reply, too.
            self.body = self.guest_name = self.guest_email = ""
            self.deleted_at = timezone.now()
            self.save(update_fields=["body", "guest_name", "guest_email", "deleted_at"])
            return
        parent = self.parent
        self.delete()
        while parent is not None and parent.is_deleted and not parent.replies.exists():
            grandparent = parent.parent
            parent.delete()
            parent = grandparent

    def hide(self, by: User | None = None) -> int:
        """The Orga-Team takes a comment out of view; open reports are settled.
        Returns how many reports that closed."""
        self.is_hidden = True
        self.save(update_fields=["is_hidden"])
        closed = self.resolve_reports()
        _audit(by, self, gettext_noop("Hid comment"))
        return closed

    def unhide(self, by: User | None = None) -> None:
        self.is_hidden = False
        self.save(update_fields=["is_hidden"])
        _audit(by, self, gettext_noop("Showed comment again"))

    def report(self, member: User, reason: str = "") -> "CommentReport":
        """A member flags a comment for the Orga-Team; a second report is a no-op."""
        if member.pk == self.author_id:
            raise ValidationError(
                _("You cannot report your own comment."), code="own_comment"
            )
        if self.is_hidden or self.is_deleted:
            raise ValidationError(
                _("This comment is no longer there."), code="comment_gone"
            )
        with Comment.REPORT_LIMIT.use(member):
            report, created = CommentReport.objects.get_or_create(
                comment=self,
                reporter=member,
                defaults={"reason": reason.strip()[:1000]},
            )
            if not created and report.resolved_at is not None:
                # Reported again after the Orga-Team looked: back into the queue.
                report.resolved_at = None
                report.reason = reason.strip()[:1000] or report.reason
                report.save(update_fields=["resolved_at", "reason"])
                created = True
            if created:
                # The Orga-Team hears of it (events/todo.py words the mail).
                enqueue_with_transaction(
                    "events.tasks.tell_orga_team", "events.todo.report_mail", self.pk
                )
        return report

    def resolve_reports(self) -> int:
        return self.reports.filter(resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )

    # Thread display ---------------------------------------------------------------

    def annotate_for(
        self, viewer: Viewer | None, *, can_moderate: bool, now: datetime
    ) -> None:
        """Set what the viewer may do, for a template that runs no queries."""
        logged_in = viewer is not None and viewer.is_authenticated
        # Comments of deleted accounts (author None) belong to nobody.
        own = (
            viewer is not None
            and logged_in
            and self.author_id is not None
            and self.author_id == viewer.pk
        )
        self.viewer_is_author = own
        self.viewer_can_edit = self.is_editable_by(viewer, now) if own else False
        self.viewer_can_delete = (own or can_moderate) and not self.is_deleted
        self.viewer_can_moderate = can_moderate and not self.is_deleted
        self.viewer_can_report = (
            logged_in and not own and not self.is_hidden and not self.is_deleted
        )
        self.viewer_can_reply = (
            logged_in
            and self.parent_id is None
            and not self.is_hidden
            and not self.is_deleted
        )
        # Hidden text stays readable for the Orga-Team only.
        self.shows_text = not self.is_deleted and (not self.is_hidden or can_moderate)
        # The name goes with the comment; photo and profile link only as the
        # member's profile visibility allows.
        profile = getattr(self.author, "profile", None) if self.author else None
        self.author_profile = (
            profile if profile is not None and profile.is_visible_to(viewer) else None
        )

    def shown_as_reply(self, can_moderate: bool) -> bool:
        return not self.is_deleted and (not self.is_hidden or can_moderate)

    def shown_as_top_level(self, can_moderate: bool) -> bool:
        """A removed comment still shows as a placeholder while replies hang on it."""
        if self.shows_text:
            return True
        return bool(getattr(self, "shown_replies", None))

    # Notifications ---------------------------------------------------------------

    def notification_recipients(self) -> list[tuple[Any, str]]:
        """(member, kind) pairs to tell: the one replied to, and the recap's author."""
        recipients: list[tuple[Any, str]] = []
        seen = {self.author_id}
        if self.parent is not None and self.parent.author_id not in seen:
            recipients.append((self.parent.author, "reply"))
            seen.add(self.parent.author_id)
        recap_author = self.recap.author
        if recap_author is not None and recap_author.pk not in seen:
            recipients.append((recap_author, "recap"))
        return [
            (user, kind)
            for user, kind in recipients
            if user is not None and user.is_active and _wants_reply_mail(user)
        ]

    def send_notifications(self) -> None:
        """E-mail everyone who should hear of this comment, each in their language.

        Runs after the comment is committed; a failing mail server is logged and
        never takes the comment with it.
        """
        try:
            comment = Comment.objects.select_related(
                "recap",
                "author__profile",
                "parent__author__profile",
                "recap__author__profile",
            ).get(pk=self.pk)
            recipients = comment.notification_recipients()
        except Exception:
            logger.exception("Could not prepare notifications for comment %s", self.pk)
            return
        for user, kind in recipients:
            try:
                comment._notification_for(user, kind).send()
            except Exception:
                logger.exception(
                    "Could not send comment notification %s to user %s",
                    self.pk,
                    user.pk,
                )

    def _notification_for(self, user: User, kind: str) -> EmailMultiAlternatives:
        profile = getattr(user, "profile", None)
        language = profile.preferred_language if profile else settings.LANGUAGE_CODE
        unsubscribe = unsubscribe_url(user, MailTopic.REPLIES)
        with translation.override(language):
            context = {
                "recipient": user,
                "comment": self,
                "kind": kind,
                "comment_url": settings.SITE_URL + self.get_absolute_url(),
                "recap_url": settings.SITE_URL + self.recap.get_absolute_url(),
                "site_name": settings.SITE_NAME,
                "site_url": settings.SITE_URL,
                "language": language,
                "unsubscribe_url": unsubscribe,
                "preferences_url": settings.SITE_URL
                + reverse("accounts:mail-preferences"),
            }
            subject = render_to_string(
                "events/comment_notification_subject.txt", context
            ).strip()
            text = render_to_string("events/comment_notification_email.txt", context)
            html = render_to_string("events/comment_notification_email.html", context)
        return build_mail(
            subject=subject,
            text=text,
            html=html,
            to=user.email,
            unsubscribe_url=unsubscribe,
            list_name=MailTopic.REPLIES.value,
        )

    def export_data(self) -> dict[str, Any]:
        """The member's own record of this comment, for the DSGVO export."""
        return {
            "recap": self.recap.title,
            "url": settings.SITE_URL + self.get_absolute_url(),
            "reply_to": self.parent_id,
            "id": self.pk,
            "text": self.body,
            "written": self.created_at.isoformat(),
            "edited": self.edited_at.isoformat() if self.edited_at else None,
            "deleted": self.deleted_at.isoformat() if self.deleted_at else None,
            "hidden_by_organizers": self.is_hidden,
            "guest_name": self.guest_name or None,
        }


def _wants_reply_mail(user: User | None) -> bool:
    profile = getattr(user, "profile", None)
    return profile is not None and profile.wants(MailTopic.REPLIES)


class CommentReport(models.Model):
    """A member's flag on a comment, for the Orga-Team's moderation queue."""

    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("comment"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comment_reports",
        verbose_name=_("reported by"),
    )
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at"]
        constraints = [
            # Reporting the same comment twice adds nothing.
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="report_one_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporter} → {self.comment_id}"

    def export_data(self) -> dict[str, Any]:
        """The reporter's own record of this report, for their DSGVO export: which
        comment, why, and whether the Orga-Team has dealt with it."""
        return {
            "recap": self.comment.recap.title,
            "comment_url": settings.SITE_URL + self.comment.get_absolute_url(),
            "reason": self.reason,
            "reported": self.created_at.isoformat(),
            "resolved": self.resolved_at.isoformat() if self.resolved_at else None,
        }


def _audit(user: User | None, obj: models.Model, message: str) -> None:
    """Moderation by the Orga-Team goes into the same log as their admin work;
    `message` is a msgid (gettext_noop), translated when the log is read."""
    if user is not None:
        record(user, obj, message)
