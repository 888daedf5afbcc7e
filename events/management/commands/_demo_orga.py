"""The demo organizer and the series' rule, for `seed_demo` (not a command of its own).

The organizer's password is for local development only (README, "The Orga-Team");
it is set only with DJANGO_DEBUG on, so demo data loaded anywhere else never opens
the admin to a published password.
"""

from datetime import time

from django.conf import settings

from events.models import Series, Weekday, WeekOfMonth
from events.models.orga import Promotion, make_organizer

DEMO_ORGANIZER_EMAIL = "orga@somehub.example"
DEMO_ORGANIZER_PASSWORD = "stammtisch-orga-2016"  # noqa: S105 - local demo only
DEMO_ORGANIZER_NAME = "Olga vom Orga-Team"

# The monthly rule: every last Tuesday of the month, 19:00 to 22:00, 20 places.
MONTHLY_RULE = {
    "weekday": Weekday.TUESDAY,
    "week_of_month": WeekOfMonth.LAST,
    "start_time": time(19, 0),
    "end_time": time(22, 0),
    "default_capacity": 20,
}


def seed_series_rule(series: Series) -> None:
    for name, value in MONTHLY_RULE.items():
        setattr(series, name, value)
    series.save(update_fields=list(MONTHLY_RULE))


def seed_demo_organizer() -> Promotion | None:
    """The demo organizer, with a known password; None when debug is off."""
    if not settings.DEBUG:
        return None
    return make_organizer(
        DEMO_ORGANIZER_EMAIL,
        name=DEMO_ORGANIZER_NAME,
        password=DEMO_ORGANIZER_PASSWORD,
        verified=True,
    )
