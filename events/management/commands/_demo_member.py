"""The demo member, for `seed_demo` (not a command of its own): someone to try the
site with as an ordinary member, going to the next Stammtisch.

Like the demo organizer's, the password is for local development only: it is set
only with DJANGO_DEBUG on, and the account is made only then.
"""

from django.conf import settings

from accounts.models import Field, User
from events.models import Event

DEMO_MEMBER_EMAIL = "mitglied@somehub.example"
DEMO_MEMBER_PASSWORD = "stammtisch-mitglied-2016"  # noqa: S105 - local demo only
DEMO_MEMBER_NAME = "Mia Beispiel"


def seed_demo_member(next_event: Event | None) -> User | None:
    """The demo member with a filled-in profile, going to `next_event`; None when
    debug is off. Safe to run again."""
    if not settings.DEBUG:
        return None
    member, _created = User.objects.for_confirmed_address(
        DEMO_MEMBER_EMAIL, name=DEMO_MEMBER_NAME
    )
    if not member.check_password(DEMO_MEMBER_PASSWORD):
        member.set_password(DEMO_MEMBER_PASSWORD)
        member.save(update_fields=["password"])
    profile = member.profile
    if not profile.bio:
        profile.field = Field.RECRUITING
        profile.organisation = "Beispiel GmbH"
        profile.role = "Recruiterin"
        profile.bio = "Ich suche Leute für Jobs, die es auf LinkedIn noch nicht gibt."
        profile.challenge = "Wie erreiche ich Azubis auf TikTok?"
        profile.save()
    if next_event is not None and next_event.rsvp_is_open:
        next_event.rsvp(member)
    return member
