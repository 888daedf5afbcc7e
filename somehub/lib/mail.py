"""How every e-mail of the site is put together, so that it lands in inboxes.

Each mail has a text part and an HTML part, a `Date` and a `Message-ID` (Django
adds both; a task that may run twice passes a stable one, so both copies are one
message to servers that deduplicate), the sender from DEFAULT_FROM_EMAIL and the
site's subject prefix. Mails nobody typed carry `Auto-Submitted: auto-generated`
(RFC 3834: no out-of-office replies to them). Mails a member may stop carry
`List-Unsubscribe` with an HTTPS link and `List-Unsubscribe-Post` (RFC 8058: one
click in the mail program turns that kind off), besides the visible link in the
footer. No tracking pixels, no remote images: a mail shows the same offline.
"""

import email.policy
from collections.abc import Iterable
from email.message import EmailMessage as MIMEMessage
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from somehub.lib.subject import mail_subject

AUTOMATIC_HEADERS = {
    "Auto-Submitted": "auto-generated",
    # Exchange and Outlook: no out-of-office or other automatic answers.
    "X-Auto-Response-Suppress": "All",
}


def unsubscribe_headers(url: str, list_name: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe: the mail program POSTs to `url`. With the
    list's name (RFC 2919), so that filters and spam checks see a whole list."""
    return {
        "List-Id": f"<{list_name}.{mail_domain()}>",
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class SiteMail(EmailMultiAlternatives):
    """Headers are folded only past RFC 5322's hard limit of 998 characters.

    Python folds a header longer than 78 characters that has no space in it (the
    List-Unsubscribe link) into RFC 2047 encoded words, which mail programs do not
    decode in that header: the one-click link would not work. The parts are
    encoded with the usual limit first (base64 in lines of 76 characters, as
    RFC 2045 asks and spam filters check); only the writing of the headers uses
    the longer one.
    """

    def message(  # type: ignore[override]  # (the stubs name the compat32 policy)
        self, *, policy: email.policy.Policy = email.policy.default
    ) -> MIMEMessage:
        message = super().message(policy=policy)
        message.policy = policy.clone(max_line_length=998)
        return message


def build_mail(
    *,
    subject: str,
    text: str,
    html: str,
    to: str,
    automatic: bool = True,
    unsubscribe_url: str = "",
    list_name: str = "mail",
    reply_to: Iterable[str] = (),
    message_id: str = "",
    thread: str = "",
) -> EmailMultiAlternatives:
    """One mail to one person, with the headers described above; `list_name`
    names the kind of mail `unsubscribe_url` stops (e.g. "announcements")."""
    headers: dict[str, str] = {}
    if automatic:
        headers.update(AUTOMATIC_HEADERS)
    if unsubscribe_url:
        headers.update(unsubscribe_headers(unsubscribe_url, list_name))
    if message_id:
        headers["Message-ID"] = message_id
    if thread:
        # Mail programs show the mails about one thing (an evening) as one
        # conversation.
        headers["References"] = f"<{thread}@{mail_domain()}>"
    message = SiteMail(
        subject=mail_subject(subject),
        body=text,
        to=[to],
        reply_to=list(reply_to),
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def stable_message_id(*parts: object) -> str:
    """A Message-ID that is the same each time it is made from the same parts
    (make_msgid() adds the time and a random number: never the same twice)."""
    local = ".".join(str(part) for part in parts)
    return f"<{local}@{mail_domain()}>"


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
