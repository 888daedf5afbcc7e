from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from somehub.lib.markdown import render_markdown


class RecapStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Recap(models.Model):
    """The organizer's write-up of one evening."""

    event = models.OneToOneField(
        "events.Event",
        on_delete=models.CASCADE,
        related_name="recap",
        verbose_name=_("event"),
    )
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    lead = models.TextField(_("lead paragraph"), max_length=600, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown is allowed."))
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

    class Meta:
        verbose_name = _("recap")
        verbose_name_plural = _("recaps")
        ordering = ["-published_at"]
        indexes = [
            # The recap list shows published recaps, newest first.
            models.Index(fields=["status", "-published_at"], name="recap_status_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:recap-detail", kwargs={"slug": self.slug})

    @cached_property
    def body_html(self) -> SafeString:
        return render_markdown(self.body)


class RecapPhoto(models.Model):
    """A photo of the evening: stored re-encoded, without metadata, in three sizes."""

    recap = models.ForeignKey(
        Recap, on_delete=models.CASCADE, related_name="photos", verbose_name=_("recap")
    )
    image = models.ImageField(
        _("photo"), upload_to="recaps/", width_field="width", height_field="height"
    )
    display = models.ImageField(_("display size"), upload_to="recaps/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="recaps/", blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    alt_text = models.CharField(
        _("description (alt text)"),
        max_length=300,
        help_text=_("What is in the photo, for people who cannot see it."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt_text


class Comment(models.Model):
    """A member's comment on a recap, or a reply to one (one level deep)."""

    recap = models.ForeignKey(
        Recap, on_delete=models.CASCADE, related_name="comments", verbose_name=_("recap")
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
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden by the Orga-Team"), default=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            # A recap's thread is read by recap in time order.
            models.Index(fields=["recap", "created_at"], name="comment_recap_time_idx"),
        ]
        constraints = [
            # A comment cannot answer itself.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")),
                name="comment_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class CommentReport(models.Model):
    """A member's flag on a comment, for the Orga-Team's moderation queue."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
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
