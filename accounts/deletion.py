"""The e-mailed code that confirms an account deletion for members without a password.

The code lives only in the member's session, as a salted hash with an expiry time and
an attempt counter: it confirms this browser session, nothing else.
"""

import time

from allauth.account.adapter import get_adapter
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "accounts_deletion_code"
LIFETIME_SECONDS = 15 * 60
MAX_ATTEMPTS = 5
RESEND_AFTER_SECONDS = 60


def may_issue_code(session: SessionBase) -> bool:
    """One e-mail a minute at most: the button cannot be used to flood an inbox."""
    state = session.get(SESSION_KEY)
    return not state or time.time() >= state["issued"] + RESEND_AFTER_SECONDS


def _normalised(code: str) -> str:
    # As allauth compares its codes: dashes, spaces and letter case do not matter.
    return "".join(ch for ch in code if ch.isalnum()).lower()


def issue_code(session: SessionBase) -> str:
    """A fresh code in the same format as the login codes (e.g. "BCDF-GHJK"); any
    earlier one stops working."""
    code = get_adapter().generate_login_code()
    now = time.time()
    session[SESSION_KEY] = {
        "hash": make_password(_normalised(code)),
        "issued": now,
        "expires": now + LIFETIME_SECONDS,
        "attempts": 0,
    }
    return code


def has_code(session: SessionBase) -> bool:
    state = session.get(SESSION_KEY)
    return bool(state) and state["expires"] > time.time()


def check_code(session: SessionBase, code: str) -> bool:
    state = session.get(SESSION_KEY)
    if not state or state["expires"] <= time.time():
        return False
    state["attempts"] += 1
    if state["attempts"] > MAX_ATTEMPTS:
        session.pop(SESSION_KEY, None)
        return False
    session[SESSION_KEY] = state
    return check_password(_normalised(code), state["hash"])
