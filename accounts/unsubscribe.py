"""One-click unsubscribe, without logging in (RFC 8058).

Every mail a member may stop carries a link signed for that member and that kind
of mail (MailTopic). A mail program's one-click POST (body
`List-Unsubscribe=One-Click`, no cookies, no CSRF token) turns exactly that kind
off; the signature is what proves the request came from the mail. A GET only
shows a page with a button: link scanners and previews open links, and must not
unsubscribe anyone. The page the member lands on says what changed and lets them
turn it back on (accounts.views.unsubscribe).
"""

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse

from accounts.models import MailTopic, Profile, User

SALT = "accounts.unsubscribe"


def unsubscribe_token(member: User, topic: MailTopic) -> str:
    """Signed, never expiring (an old mail's link must still work)."""
    return signing.dumps([member.pk, MailTopic(topic).value], salt=SALT, compress=True)


def unsubscribe_url(member: User, topic: MailTopic) -> str:
    token = unsubscribe_token(member, topic)
    return settings.SITE_URL + reverse("accounts:unsubscribe", args=[token])


def read_token(token: str) -> tuple[Profile, MailTopic]:
    """The profile and kind a token names; Http404 for anything else."""
    try:
        member_id, value = signing.loads(token, salt=SALT)
        topic = MailTopic(value)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404("Unknown unsubscribe link.") from None
    profile = (
        Profile.objects.filter(user_id=member_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if profile is None:
        raise Http404("Unknown unsubscribe link.")
    return profile, topic
