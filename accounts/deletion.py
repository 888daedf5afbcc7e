"""The e-mailed code that confirms an account deletion for members without a password.

The code lives only in the member's session, as a salted hash with an expiry time:
it confirms this browser session, nothing else. Its attempts are counted in the
database (accounts.limits), atomically: parallel guesses share one counter, where a
counter in the session would be read by all of them at once and saved by the last.
"""

import time
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext_lazy as _

from accounts.limits import Limit, RateLimited
from accounts.models import User

SESSION_KEY = "accounts_deletion_code"
LIFETIME_SECONDS = 15 * 60
MAX_ATTEMPTS = 5
RESEND_AFTER_SECONDS = 60

CODE_ATTEMPTS = Limit(
    "deletion-code",
    MAX_ATTEMPTS,
    timedelta(seconds=LIFETIME_SECONDS),
    _("This code is not right or has expired. Ask for a new one."),
)
# Codes e-mailed per member: the session's one-a-minute rule, made race-free.
CODE_MAILS = Limit(
    "deletion-code-mail",
    3,
    timedelta(minutes=15),
    _("We sent you a code a moment ago. Please look in your inbox."),
)


def may_issue_code(session: SessionBase) -> bool:
    """One e-mail a minute at most: the button cannot be used to flood an inbox."""
    state = session.get(SESSION_KEY)
    return not state or time.time() >= state["issued"] + RESEND_AFTER_SECONDS


def _normalised(code: str) -> str:
    # As allauth compares its codes: dashes, spaces and letter case do not matter.
    return "".join(ch for ch in code if ch.isalnum()).lower()


def issue_code(session: SessionBase, member: User) -> str:
    """A fresh code in the same format as the login codes (e.g. "BCDF-GHJK"); any
    earlier one stops working.

    Raises RateLimited when the member asked for too many codes.
    """
    CODE_MAILS.spend(member)
    code = get_adapter().generate_login_code()
    now = time.time()
    session[SESSION_KEY] = {
        "hash": make_password(_normalised(code)),
        "issued": now,
        "expires": now + LIFETIME_SECONDS,
    }
    return code


def has_code(session: SessionBase) -> bool:
    state = session.get(SESSION_KEY)
    return state is not None and state["expires"] > time.time()


def check_code(session: SessionBase, member: User, code: str) -> bool:
    """Whether `code` is the one sent; after MAX_ATTEMPTS tries the code is spent."""
    state = session.get(SESSION_KEY)
    if not state or state["expires"] <= time.time():
        return False
    try:
        CODE_ATTEMPTS.spend(member, subject=f"{state['issued']:.6f}")
    except RateLimited:
        session.pop(SESSION_KEY, None)
        return False
    return check_password(_normalised(code), state["hash"])
