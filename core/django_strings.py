"""Django 6.1's own admin strings that its German catalogue does not have yet.

They are marked here so that `make messages` puts them into the site's catalogue
(locale/, which comes before Django's own): the admin reads German throughout. A
newer Django that ships them changes nothing. The JavaScript ones (the date
pickers, the time-zone note, the action hint) are in static/js/admin-strings.js.
This module is never imported; it only carries msgids.
"""

from django.utils.translation import gettext_noop, ngettext

STRINGS = (
    gettext_noop("- Select an option -"),
    gettext_noop("Run"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("Logout"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop('The app "%s" could not be found.'),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s "
        "“%(escaped_object)s”? All of the following related items will be deleted:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would require deleting "
        "the following protected related objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would result in deleting "
        "related objects, but your account doesn't have permission to delete the "
        "following types of objects:"
    ),
    gettext_noop(
        "After you’ve created a user, you’ll be able to edit more user options."
    ),
    gettext_noop("Reset password"),
    gettext_noop("Set password"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Password-based authentication"),
    gettext_noop(
        "Raw passwords are not stored, so there is no way to see the user’s password."
    ),
)


def _plurals() -> None:  # pragma: no cover - never called; carries plural msgids
    ngettext("…and %(count)d more object.", "…and %(count)d more objects.", 1)
