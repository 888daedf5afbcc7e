"""The Orga-Team: who organizers are, what they may do, what they did; the
door list of an evening."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from accounts.models import Profile, User
from events.models.event import Event
from events.models.rsvp import RSVP, RSVPStatus
from events.models.status import EventStatus

ORGA_TEAM = "Orga-Team"

# What an organizer needs to run the Stammtisch, and nothing more: no user
# accounts to edit (that would let them grant themselves powers), no deleting of
# RSVPs (people cancel themselves; organizers cancel events instead).
# The data migration events/0004_orga_team_group grants this list as it stood then;
# orga_team() adds whatever is missing from the current one.
ORGA_TEAM_PERMISSIONS: tuple[str, ...] = (
    "events.add_venue",
    "events.change_venue",
    "events.view_venue",
    "events.delete_venue",
    "events.add_series",
    "events.change_series",
    "events.view_series",
    "events.delete_series",
    "events.add_event",
    "events.change_event",
    "events.view_event",
    "events.delete_event",
    "events.change_rsvp",
    "events.view_rsvp",
    "events.add_recap",
    "events.change_recap",
    "events.view_recap",
    "events.delete_recap",
    "events.add_recapphoto",
    "events.change_recapphoto",
    "events.view_recapphoto",
    "events.delete_recapphoto",
    "events.change_comment",
    "events.view_comment",
    "events.delete_comment",
    "events.change_commentreport",
    "events.view_commentreport",
    "events.add_mailing",
    "events.view_mailing",
    "events.view_delivery",
    "accounts.view_user",
    "accounts.change_profile",
    "accounts.view_profile",
    "accounts.view_hidden_profile",
    "accounts.change_legalpage",
    "accounts.view_legalpage",
    "admin.view_logentry",
    # Bringing the old blog and other calendars in (admin → Imports).
    "events.import_content",
    "events.view_importrun",
)

# Organizer powers, as the views check them.
MANAGE_EVENTS = "events.change_event"
CHECK_IN = "events.change_rsvp"
EXPORT_ATTENDEES = "events.view_rsvp"
WRITE_TO_MEMBERS = "events.add_mailing"


def _permission_filter(names: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        condition |= Q(content_type__app_label=app_label, codename=codename)
    return condition


def all_orga_team_permissions() -> tuple[str, ...]:
    """ORGA_TEAM_PERMISSIONS, and what later apps add for their part (an
    AppConfig's `orga_team_permissions`, e.g. the Impulse programme)."""
    extra = [
        name
        for config in apps.get_app_configs()
        for name in getattr(config, "orga_team_permissions", ())
    ]
    return (*ORGA_TEAM_PERMISSIONS, *extra)


def orga_team() -> Group:
    """The Orga-Team group, holding (at least) all_orga_team_permissions().

    It only adds: a permission someone granted the team in the admin stays.
    """
    group, _created = Group.objects.get_or_create(name=ORGA_TEAM)
    group.permissions.add(
        *Permission.objects.filter(_permission_filter(all_orga_team_permissions()))
    )
    return group


@dataclass
class Promotion:
    """What make_organizer() did, for the command to report."""

    user: User
    created: bool = False
    made_staff: bool = False
    joined_team: bool = False

    @property
    def changed_anything(self) -> bool:
        return self.created or self.made_staff or self.joined_team


@transaction.atomic
def make_organizer(
    email: str, *, name: str = "", password: str | None = None, verified: bool = False
) -> Promotion:
    """Create the member or find them, and put them in the Orga-Team (staff).

    Safe to run again: what is already true is left alone. A new account gets no
    password unless one is given; its owner logs in with a code sent by e-mail.
    """
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email=email, password=password)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user,
        email__iexact=email,
        defaults={"email": email, "primary": True, "verified": verified},
    )
    if verified:
        EmailAddress.objects.filter(user=user, email__iexact=email).update(
            verified=True
        )
    promotion = Promotion(user=user, created=created)
    profile = Profile.objects.for_member(user)
    if name and not profile.display_name:
        profile.display_name = name
        profile.save(update_fields=["display_name", "updated_at"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        promotion.made_staff = True
    team = orga_team()
    if not user.groups.filter(pk=team.pk).exists():
        user.groups.add(team)
        promotion.joined_team = True
    return promotion


# The door list ----------------------------------------------------------------------


def _name_order() -> Lower:
    shown = Coalesce(
        NullIf("member__profile__display_name", Value("")),
        "member__profile__handle",
        "member__email",
    )
    return Lower(shown)


def _matches(query: str, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}profile__display_name__icontains": query})
        | Q(**{f"{prefix}profile__handle__icontains": query})
        | Q(**{f"{prefix}email__icontains": query})
    )


def orga_team_addresses() -> list[str]:
    """Where a visitor's message to the Orga-Team goes: every active organizer
    (a member of the Orga-Team group, or staff) with an e-mail address."""
    organizers = (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=ORGA_TEAM) | Q(is_staff=True))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(organizers))


def door_list(event: Event, query: str = "") -> list[RSVP]:
    """Everyone going, by name, with photo; narrowed down by a search (one query).

    The Orga-Team sees everyone at the door, whatever each member's attendee-list
    setting: checking people in is what they are there for.
    """
    rsvps = event.rsvps.going().select_related("member__profile")
    if query:
        rsvps = rsvps.filter(_matches(query, "member__"))
    return list(rsvps.order_by(_name_order(), "pk"))


WALK_INS_SHOWN = 10


def walk_in_candidates(event: Event, query: str) -> list[User]:
    """Members matching the search who are not going: walk-ins (one query).

    Each comes with `rsvp_status` (waiting, not going, or None for no RSVP).
    """
    if len(query) < 2:
        return []
    rsvps = RSVP.objects.filter(event=event, member=OuterRef("pk"))
    return list(
        User.objects.filter(is_active=True)
        .filter(_matches(query))
        .exclude(Exists(rsvps.filter(status=RSVPStatus.GOING)))
        .annotate(rsvp_status=Subquery(rsvps.values("status")[:1]))
        .select_related("profile")
        .order_by(Lower("profile__display_name"), "email")[:WALK_INS_SHOWN]
    )


def event_at_the_door(now: datetime | None = None) -> "Event | None":
    """The evening organizers are checking people in for: tonight's, or the next."""
    now = now or timezone.now()
    return (
        Event.objects.filter(
            status=EventStatus.PUBLISHED, ends_at__gte=now - DOOR_STAYS_OPEN
        )
        .order_by("starts_at")
        .first()
    )


# Check-ins can still be fixed the morning after.
DOOR_STAYS_OPEN = timedelta(hours=12)


def attendee_rows(events: Iterable[Event]) -> models.QuerySet[RSVP]:
    """Everyone going or waiting for these events, for the CSV (one query)."""
    return (
        RSVP.objects.filter(event__in=events)
        .active()
        .with_waiting_position()
        .select_related("member__profile", "event")
        .order_by("event__starts_at", "event_id", "status", _name_order(), "pk")
    )
