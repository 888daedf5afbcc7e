"""Subjects of the site's e-mails: one prefix for all of them.

Members recognise (and filter) our mails by the same "[#SoMeH] " in front, whoever
sends them: allauth (through ACCOUNT_EMAIL_SUBJECT_PREFIX, the same setting), the
RSVP mails, comment notifications, the Orga-Team's messages and the Impulse mails.
"""

from django.conf import settings


def mail_subject(text: str) -> str:
    """`text` on one line, with the site's prefix in front."""
    return settings.EMAIL_SUBJECT_PREFIX + " ".join(str(text).split())
