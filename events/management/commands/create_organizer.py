"""Make a member an organizer: `python manage.py create_organizer EMAIL`.

Creates the account if there is none (its owner logs in with a code sent by
e-mail), makes it staff and puts it in the Orga-Team group. Safe to run again.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from events.models.orga import ORGA_TEAM, make_organizer


class Command(BaseCommand):
    help = (
        "Create an organizer or promote a member to the Orga-Team (staff, with the "
        "Orga-Team's permissions). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The organizer's e-mail address.")
        parser.add_argument(
            "--name", default="", help="Display name for a new account."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an e-mail address: {email!r}") from exc
        promotion = make_organizer(email, name=options["name"])
        user = promotion.user
        if promotion.created:
            self.stdout.write(
                f"Created the account {user.email}. It has no password: its owner "
                "logs in with a code sent by e-mail."
            )
        if promotion.made_staff:
            self.stdout.write(f"{user.email} may now use the admin (staff).")
        if promotion.joined_team:
            self.stdout.write(f"Added {user.email} to the {ORGA_TEAM} group.")
        if promotion.changed_anything:
            self.stdout.write(self.style.SUCCESS(f"{user.email} is an organizer."))
        else:
            self.stdout.write(f"{user.email} is already an organizer; nothing changed.")
