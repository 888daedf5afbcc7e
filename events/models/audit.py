"""Actions outside the admin, written to the admin's log: one audit trail for
everything the Orga-Team does (check-ins, moderation, messages)."""

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import models

from accounts.models import User


def record(
    user: User,
    obj: models.Model,
    message: str | list[Any],
    *,
    added: bool = False,
) -> None:
    """An entry in the admin's log: who did what to which object, and when."""
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
    )
