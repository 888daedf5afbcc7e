from collections.abc import Iterable
from typing import Any, ClassVar

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser, BaseUserManager
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from somehub.lib.dates import format_local
from somehub.lib.fields import OneLineCharField, derive_on_save
from somehub.lib.images import square
from somehub.lib.markdown import render_markdown

PHOTO_SIZE = 512
THUMB_SIZE = 96
DISPLAY_NAME_LENGTH = 80


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

    def for_confirmed_address(
        self, email: str, *, name: str = "", language: str = "de"
    ) -> tuple["User", bool]:
        """The member who owns `email`, which they have just proven (they typed a
        code sent to it, or opened a link in it); a new account if there is none.

        A new account has no password (its owner logs in with codes) and gets its
        profile now, named as its owner chose or not at all. Either way the address
        ends up confirmed, through allauth's own EmailAddress, so that everything
        built on allauth treats the member as verified. Returns (member, created).
        """
        email = self.normalize_email(email.strip())
        user = self._owner_of(email)
        created = user is None
        if user is None:
            try:
                with transaction.atomic():
                    user = self.create_user(email=email)
                    Profile.objects.create_for(user, language=language, name=name)
            except IntegrityError:
                # The same address finished a second proof at the same moment.
                user = self._owner_of(email)
                if user is None:
                    raise
                created = False
        elif name:
            Profile.objects.for_member(user).name_if_unnamed(name)
        address, _ = EmailAddress.objects.get_or_create(
            user=user,
            email__iexact=email,
            defaults={"email": email, "primary": created},
        )
        address.set_verified(commit=True)
        if not EmailAddress.objects.filter(user=user, primary=True).exists():
            address.set_as_primary()
        return user, created

    def _owner_of(self, email: str) -> "User | None":
        """Who owns the address: the account that confirmed it, else the account
        that signed up with it. An address someone merely added to their account
        and never confirmed does not make its owner log into theirs."""
        confirmed = EmailAddress.objects.filter(email__iexact=email, verified=True)
        found = confirmed.select_related("user").first()
        if found is not None:
            return found.user
        return self.filter(email__iexact=email).first()


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
        """The name shown to others: the one the member chose, else a neutral
        "Member since December 2026" (never anything from the e-mail address)."""
        profile = getattr(self, "profile", None)
        if profile is not None:
            return profile.name
        return str(_("New member"))

    @property
    def greeting_name(self) -> str:
        """The name to greet the member with in an e-mail; empty without a chosen one
        (the mail then just says "Hello,")."""
        profile = getattr(self, "profile", None)
        return profile.display_name if profile is not None else ""

    @cached_property
    def has_verified_email(self) -> bool:
        """Member actions (RSVP, comments, proposals) need a confirmed address."""
        return EmailAddress.objects.filter(user=self, verified=True).exists()

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    # The DSGVO hooks: each app's AppConfig may define
    #   export_member_data(user) -> dict        its part of "download my data",
    #   delete_member_data(user) -> None        tidy-up before the account goes,
    #   describe_member_deletion() -> str       a sentence for the deletion page,
    #   account_section(request) -> str         a part of the account page (HTML).
    # accounts asks every installed app, so it never imports the others.

    def export_data(self) -> dict[str, Any]:
        """Everything stored about this member, app by app, for the JSON download."""
        data: dict[str, Any] = {
            "site": settings.SITE_NAME,
            "exported_at": timezone.now(),
        }
        for config in apps.get_app_configs():
            export = getattr(config, "export_member_data", None)
            if callable(export):
                data[config.label] = export(self)
        return data

    @transaction.atomic
    def delete_account(self) -> None:
        """Remove the member for good: every app's part, the rows, the photo files."""
        for config in apps.get_app_configs():
            hook = getattr(config, "delete_member_data", None)
            if callable(hook):
                hook(self)
        profile = Profile.objects.filter(user=self).first()
        files = profile.photo_names() if profile else []
        self.delete()
        # Files go only once the rows are gone for sure.
        transaction.on_commit(lambda: delete_photo_files(files))


def account_sections(request: HttpRequest) -> list[str]:
    """What each app adds to the member's account page, as rendered HTML."""
    sections = []
    for config in apps.get_app_configs():
        section = getattr(config, "account_section", None)
        if callable(section):
            html = section(request)
            if html:
                sections.append(html)
    return sections


def deletion_notes() -> list[str]:
    """What each app says happens to its data when a member deletes the account."""
    notes = []
    for config in apps.get_app_configs():
        describe = getattr(config, "describe_member_deletion", None)
        if callable(describe):
            notes.append(str(describe()))
    return notes


def delete_photo_files(names: Iterable[str]) -> None:
    storage = Profile._meta.get_field("photo").storage
    for name in names:
        storage.delete(name)


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


class OrdinaryMember:
    """Any logged-in member with no rights beyond their own, and no profile of
    their own in what is shown: what it may see, every such member may see."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


def member_of(request: HttpRequest) -> User:
    """The member behind a request that only members reach (the admin, views
    behind login_required); anyone else is refused."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


# Who a page is shown to: a member, a visitor, or any ordinary member (for what is
# the same for all of them). None where nobody looks (a task, a script).
type Viewer = User | AnonymousUser | OrdinaryMember


class ViewerKind(models.TextChoices):
    """Viewers who see exactly the same of other members' profiles."""

    VISITOR = "visitor", _("Visitor")
    MEMBER = "member", _("Member")

    @classmethod
    def of(cls, viewer: "Viewer | None") -> "ViewerKind | None":
        """The viewer's kind; None for those who see more than their kind (the
        Orga-Team, anyone allowed to see hidden profiles, and a member whose own
        profile is for the Orga-Team only: they see themselves where others do
        not)."""
        if viewer is None or not viewer.is_authenticated:
            return cls.VISITOR
        if viewer.is_staff or viewer.is_superuser:
            return None
        if viewer.has_perm("accounts.view_hidden_profile"):
            return None
        own = getattr(viewer, "profile", None)
        if own is not None and own.visibility == Visibility.ORGANIZERS:
            return None
        return cls.MEMBER

    def stand_in(self) -> Any:
        """A viewer of this kind, for rendering what they all see."""
        return AnonymousUser() if self == ViewerKind.VISITOR else OrdinaryMember()


class MailTopic(models.TextChoices):
    """The kinds of e-mail a member chooses to get, each with a switch (and a
    one-click unsubscribe link in every such mail). Mails a member needs in order
    to use the site are not among them (ESSENTIAL_MAILS)."""

    ANNOUNCEMENTS = "announcements", _("Announcements of new dates")
    REMINDERS = "reminders", _("Reminders the day before an evening")
    REPLIES = "replies", _("Replies to my comments")
    ORGA_MESSAGES = "orga_messages", _("Messages from the Orga-Team")
    # For the Orga-Team only (staff): new reports and proposals (events/todo.py).
    ORGA_TASKS = "orga_tasks", _("New reports and Impuls proposals")

    @classmethod
    def offered_to(cls, member: "User") -> list["MailTopic"]:
        """The kinds this member can choose: the Orga-Team's own only for them."""
        return [t for t in cls if t != cls.ORGA_TASKS or member.is_staff]

    @property
    def field(self) -> str:
        """The Profile field that holds the member's choice."""
        return f"notify_{self.value}"

    @property
    def description(self) -> str:
        return str(TOPIC_DESCRIPTIONS[self])


TOPIC_DESCRIPTIONS = {
    MailTopic.ANNOUNCEMENTS: _(
        "One mail when the Orga-Team publishes a new Stammtisch date: when, where, "
        "the motto and the Impuls."
    ),
    MailTopic.REMINDERS: _(
        "The day before an evening you are going to, with a link to free your seat."
    ),
    MailTopic.REPLIES: _(
        "When someone answers one of your comments or comments on your recap."
    ),
    MailTopic.ORGA_MESSAGES: _(
        "What the Orga-Team writes to members, for example to those going to an "
        "evening."
    ),
    MailTopic.ORGA_TASKS: _(
        "For the Orga-Team: a mail when a comment is reported or someone proposes "
        "an Impuls, with a link to where you deal with it."
    ),
}

# Mails every member gets, whatever they chose, and why: they answer something the
# member did, or concern an evening they said they would come to.
ESSENTIAL_MAILS = (
    (
        _("Sign-in codes and address confirmations"),
        _("You asked for them: without them you cannot log in."),
    ),
    (
        _("RSVP confirmations and moving up from the waiting list"),
        _("They confirm what you did, or that you now have a seat."),
    ),
    (
        _("Changes and cancellations of an evening you are going to"),
        _("So that nobody stands in front of a closed door."),
    ),
    (
        _("Answers to your Impuls proposal"),
        _("You asked the Orga-Team to decide on it."),
    ),
)


class ProfileQuerySet(models.QuerySet["Profile"]):
    def listed(self) -> "ProfileQuerySet":
        """Active members who have confirmed their address: the member directory."""
        confirmed = EmailAddress.objects.filter(
            user=models.OuterRef("user"), verified=True
        )
        return self.filter(models.Exists(confirmed), user__is_active=True)

    def in_field(self, field: str) -> "ProfileQuerySet":
        return self.filter(field=field) if field else self

    def alphabetical(self) -> "ProfileQuerySet":
        """By the name people see: the display name, else the handle."""
        shown = Coalesce(NullIf("display_name", Value("")), "handle")
        return self.order_by(Lower(shown), "handle")

    def visible_to(self, viewer: "Viewer | None") -> "ProfileQuerySet":
        """Profiles the viewer may see, by each member's own choice."""
        if viewer is not None and viewer.is_authenticated:
            if viewer.has_perm("accounts.view_hidden_profile"):
                return self.all()
            return self.filter(
                models.Q(visibility__in=[Visibility.PUBLIC, Visibility.MEMBERS])
                | models.Q(user=viewer)
            )
        return self.filter(visibility=Visibility.PUBLIC)


class ProfileManager(models.Manager["Profile"]):
    def for_member(self, user: User) -> "Profile":
        """The member's profile; accounts made outside sign-up get theirs now."""
        profile = self.filter(user=user).first()
        return profile or self.create_for(user)

    def create_for(
        self, user: User, *, language: str = "de", name: str = ""
    ) -> "Profile":
        """The profile every new account gets: the name its owner chose (or none
        yet), and a handle from that name or a neutral one. Nothing here comes from
        the e-mail address: other members must never see any part of it."""
        name = tidy_name(name)
        return self.create(
            user=user,
            handle=self.free_handle(name) if name else self.neutral_handle(),
            display_name=name,
            preferred_language=language if language in ("de", "en") else "de",
        )

    def neutral_handle(self) -> str:
        """A handle that says nothing about its owner, e.g. "member-4k7p2x"."""
        while True:
            handle = "member-" + get_random_string(6, "abcdefghjkmnpqrstuvwxyz23456789")
            if not self.filter(handle__iexact=handle).exists():
                return handle

    def free_handle(self, wish: str) -> str:
        base = slugify(wish.replace(".", "-").replace("_", "-"))[:34].strip("-")
        if len(base) < 2:
            return self.neutral_handle()
        taken = set(
            self.filter(handle__startswith=base).values_list(Lower("handle"), flat=True)
        )
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"


class Profile(models.Model):
    """What a member tells the community about themselves."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("member")
    )
    handle = models.SlugField(
        _("handle"),
        max_length=40,
        unique=True,
        help_text=_("Your address on this site: /members/your-handle/"),
    )
    display_name = OneLineCharField(
        _("display name"), max_length=DISPLAY_NAME_LENGTH, blank=True
    )
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
    # The mails a member may choose (MailTopic). Consent is given, never assumed:
    # each is off until the member turns it on.
    notify_announcements = models.BooleanField(
        _("announcements of new dates"), default=False
    )
    notify_reminders = models.BooleanField(_("reminders the day before"), default=False)
    notify_replies = models.BooleanField(_("replies to my comments"), default=False)
    notify_orga_messages = models.BooleanField(
        _("messages from the Orga-Team"), default=False
    )
    # Only organizers get these: new reports and proposals (events/todo.py).
    notify_orga_tasks = models.BooleanField(
        _("e-mail me about new reports and Impuls proposals"),
        default=True,
        help_text=_("For the Orga-Team: new things on the to-do list."),
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

    objects = ProfileManager.from_queryset(ProfileQuerySet)()

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
        indexes = [
            # The member directory pages through members in alphabetical() order: read
            # in index order, a page costs 24 rows instead of sorting everyone.
            models.Index(
                Lower(Coalesce(NullIf("display_name", Value("")), "handle")),
                "handle",
                name="profile_shown_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"handle": self.handle})

    @property
    def name(self) -> str:
        """The name others see: the member's own choice, else "Member since
        December 2026" in the reader's language (no initials, nothing guessed)."""
        if self.display_name:
            return self.display_name
        month = format_local(self.created_at or timezone.now(), "month_year")
        return gettext("Member since %(month)s") % {"month": month}

    @property
    def initials(self) -> str:
        """Up to two letters of the chosen name; empty without one (the avatar then
        shows a neutral figure)."""
        name = self.display_name
        words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or name[:1].upper()

    def wants(self, topic: MailTopic) -> bool:
        return bool(getattr(self, MailTopic(topic).field))

    def choose_mail(self, topic: MailTopic, on: bool) -> None:
        """Turn one kind of mail on or off (from the preferences page or a mail's
        unsubscribe link)."""
        field = MailTopic(topic).field
        setattr(self, field, on)
        self.save(update_fields=[field, "updated_at"])

    def name_if_unnamed(self, name: str) -> None:
        """Take `name` as the display name, unless the member has chosen one."""
        name = tidy_name(name)
        if name and not self.display_name:
            self.display_name = name
            self.save(update_fields=["display_name", "updated_at"])

    def is_visible_to(self, viewer: "Viewer | None") -> bool:
        if self.visibility == Visibility.PUBLIC:
            return True
        if viewer is None or not viewer.is_authenticated:
            return False
        if viewer.pk == self.user_id:
            return True
        if self.visibility == Visibility.MEMBERS:
            return True
        return bool(viewer.has_perm("accounts.view_hidden_profile"))

    @property
    def links(self) -> list[tuple[str, str]]:
        """The member's links as (label, URL), in the order of the form."""
        names = ["website", "linkedin", "instagram", "mastodon", "x", "tiktok"]
        labels = {field.name: field.verbose_name for field in self._meta.fields}
        return [
            (capfirst(str(labels[name])), getattr(self, name))
            for name in names
            if getattr(self, name)
        ]

    def photo_names(self) -> list[str]:
        return [f.name for f in (self.photo, self.photo_thumb) if f and f.name]

    def replace_photo(self, image: Image.Image) -> None:
        """Store a new photo (512 px square and 96 px thumbnail); drop the old files."""
        old = self.photo_names()
        big = square(image, PHOTO_SIZE)
        small = square(image, THUMB_SIZE)
        self.photo.save(str(big.file.name), big.file, save=False)
        self.photo_thumb.save(str(small.file.name), small.file, save=False)
        self.save(update_fields=["photo", "photo_thumb", "updated_at"])
        transaction.on_commit(lambda: delete_photo_files(old))

    def remove_photo(self) -> None:
        old = self.photo_names()
        self.photo = self.photo_thumb = ""
        self.save(update_fields=["photo", "photo_thumb", "updated_at"])
        transaction.on_commit(lambda: delete_photo_files(old))

    def export_data(self) -> dict[str, Any]:
        fields = [
            "handle",
            "display_name",
            "field",
            "organisation",
            "role",
            "bio",
            "challenge",
            "website",
            "linkedin",
            "instagram",
            "mastodon",
            "x",
            "tiktok",
            "preferred_language",
            "notify_announcements",
            "notify_reminders",
            "notify_replies",
            "notify_orga_messages",
            "notify_orga_tasks",
            "visibility",
            "show_in_attendee_lists",
            "calendar_token",
            "created_at",
            "updated_at",
        ]
        data = {name: getattr(self, name) for name in fields}
        data["photo"] = _absolute(self.photo.url) if self.photo else None
        data["photo_thumbnail"] = (
            _absolute(self.photo_thumb.url) if self.photo_thumb else None
        )
        return data


def tidy_name(name: str) -> str:
    """A display name as typed, on one line and not longer than the field."""
    return " ".join(name.split())[:DISPLAY_NAME_LENGTH]


def _absolute(url: str) -> str:
    """Local storage gives a path, object storage a full URL: always the full one."""
    return settings.SITE_URL + url if url.startswith("/") else url


class LegalPage(models.Model):
    """Impressum and privacy policy, kept up to date by the Orga-Team in the admin."""

    class Kind(models.TextChoices):
        IMPRINT = "imprint", _("Imprint (Impressum)")
        PRIVACY = "privacy", _("Privacy policy (Datenschutz)")

    kind = models.CharField(_("page"), max_length=10, choices=Kind.choices, unique=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), help_text=_("Markdown is allowed."))
    # The text as sanitised HTML, made when it is saved rather than on every view.
    rendered_body = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("legal page")
        verbose_name_plural = _("legal pages")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        derive_on_save(
            self, kwargs, ["body"], "rendered_body", lambda: render_markdown(self.body)
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        name = "imprint" if self.kind == self.Kind.IMPRINT else "privacy"
        return reverse(f"accounts:{name}")

    @property
    def body_html(self) -> SafeString:
        return mark_safe(self.rendered_body)  # noqa: S308 - sanitised at save


class UsageCounter(models.Model):
    """How often one thing was done in the current window, for rate limits.

    One row per counter (`key`, e.g. "comment:42"), counted up with a single atomic
    upsert (accounts.limits): parallel requests, in any number of processes and on
    any number of servers, take turns on the row, so exactly the limit gets through.
    """

    key = models.CharField(_("counter"), max_length=120, primary_key=True)
    uses = models.PositiveIntegerField(_("uses"), default=0)
    window_ends_at = models.DateTimeField(_("window ends at"))

    class Meta:
        verbose_name = _("usage counter")
        verbose_name_plural = _("usage counters")
        indexes = [
            # Expired counters are pruned by the end of their window.
            models.Index(fields=["window_ends_at"], name="usagecounter_window_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.uses}"
