from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A member of the community. The e-mail address is the login."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # Two accounts must never share an address, whatever its letter case.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.__class__.objects.normalize_email(self.email).strip()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        """The name shown to others: the profile name, else the address's local part."""
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        return self.email.split("@", 1)[0]

    @cached_property
    def has_verified_email(self) -> bool:
        """Member actions (RSVP, comments, proposals) need a confirmed address."""
        from allauth.account.models import EmailAddress

        return EmailAddress.objects.filter(user=self, verified=True).exists()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Field(models.TextChoices):
    """The fields of work people come from, as at the kick-off in 2016."""

    RECRUITING = "recruiting", _("Recruiting")
    INTERNAL_COMMS = "internal_comms", _("Internal communications")
    COACHING = "coaching", _("Coaching")
    TAX_ADVICE = "tax_advice", _("Tax advice")
    AGENCY = "agency", _("Agency")
    FREELANCE = "freelance", _("Freelance social media")
    INHOUSE = "inhouse", _("In-house marketing/communications")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Logged-in members")
    ORGANIZERS = "organizers", _("The Orga-Team only")


class ProfileQuerySet(models.QuerySet["Profile"]):
    def visible_to(self, viewer: Any) -> "ProfileQuerySet":
        """Profiles the viewer may see, by each member's own choice."""
        if viewer is not None and viewer.is_authenticated:
            if viewer.has_perm("accounts.view_hidden_profile"):
                return self.all()
            return self.filter(
                models.Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS])
                | models.Q(user=viewer)
            )
        return self.filter(visibility=Visibility.PUBLIC)


class Profile(models.Model):
    """What a member tells the community about themselves."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("member")
    )
    handle = models.SlugField(
        _("handle"),
        max_length=40,
        unique=True,
        help_text=_("Your address on this site: /members/<handle>/"),
    )
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    photo = models.ImageField(_("photo"), upload_to="avatars/", blank=True)
    photo_thumb = models.ImageField(_("thumbnail"), upload_to="avatars/", blank=True)
    field = models.CharField(
        _("field of work"), max_length=20, choices=Field.choices, blank=True
    )
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=120, blank=True)
    bio = models.TextField(_("about me"), max_length=1000, blank=True)
    challenge = models.TextField(
        _("my current social media challenge"), max_length=500, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    linkedin = models.URLField(_("LinkedIn"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)
    mastodon = models.URLField(_("Mastodon"), blank=True)
    x = models.URLField(_("X"), blank=True)
    tiktok = models.URLField(_("TikTok"), blank=True)
    preferred_language = models.CharField(
        _("language for e-mails"),
        max_length=5,
        choices=[("de", _("German")), ("en", _("English"))],
        default="de",
    )
    notify_event_updates = models.BooleanField(
        _("e-mail me about new dates and changes"), default=True
    )
    notify_replies = models.BooleanField(
        _("e-mail me about replies to my comments"), default=True
    )
    visibility = models.CharField(
        _("who may see my profile"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    show_in_attendee_lists = models.BooleanField(
        _("show me in attendee lists"), default=True
    )
    calendar_token = models.CharField(
        _("personal calendar key"), max_length=43, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["display_name", "handle"]
        permissions = [
            ("view_hidden_profile", _("Can see profiles visible to organizers only")),
        ]
        constraints = [
            # Handles are URLs: /members/Anna/ and /members/anna/ must not both exist.
            models.UniqueConstraint(Lower("handle"), name="profile_handle_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalnum()]
        letters = "".join(w[0] for w in words[:2]) or self.name[:1]
        return letters.upper()

    def is_visible_to(self, viewer: Any) -> bool:
        if self.visibility == Visibility.PUBLIC:
            return True
        if viewer is None or not viewer.is_authenticated:
            return False
        if viewer.pk == self.user_id:
            return True
        if self.visibility == Visibility.MEMBERS:
            return True
        return bool(viewer.has_perm("accounts.view_hidden_profile"))

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"handle": self.handle})
