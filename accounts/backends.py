from functools import cache
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import (
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Concat

from accounts.models import User


class MemberBackend(ModelBackend):
    """Django's ModelBackend, reading everything member pages ask about the
    logged-in member in one query: the member, their profile (it decides what they
    see and how they are named), whether their address is confirmed (every member
    action asks) and their own and their groups' permissions (profile visibility,
    the Orga-Team's links and buttons).

    Nothing is kept between requests: a deactivated member, a changed profile or a
    revoked permission counts from the next request on, on every server.
    """

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = _members().get(pk=user_id)
        except (User.DoesNotExist, ValueError, TypeError):
            return None
        annotated = user.__dict__  # perm_names and email_verified, from _members()
        if not user.is_superuser:  # a superuser has every permission unasked
            names = (annotated["perm_names"] or "").split()
            user._perm_cache = set(names)  # type: ignore[attr-defined]
        # What User.has_verified_email (a cached property) would ask the database.
        annotated["has_verified_email"] = annotated["email_verified"]
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        """Own and group permissions in one query (ModelBackend asks twice), for a
        member not read through get_user()."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            perms = Permission.objects.all()
            if not user_obj.is_superuser:
                perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
            rows = perms.values_list("content_type__app_label", "codename").distinct()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache


@cache
def _members() -> QuerySet[User]:
    """The query of get_user() but for the member's id, built once per process:
    building its annotations costs more than running it. (A QuerySet is copied by
    every further call on it, so this one is never run or changed itself.)"""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User._default_manager.select_related("profile").annotate(
        perm_names=_permission_names(OuterRef("pk")),
        email_verified=Exists(verified),
    )


def _permission_names(user: OuterRef) -> Subquery:
    """The names ("app.codename …") of the member's own and their groups'
    permissions, as one string; one given both ways appears twice (the caller makes
    a set)."""
    name = Concat(
        "content_type__app_label", Value("."), "codename", output_field=CharField()
    )
    return Subquery(
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(names=StringAgg(name, Value(" ")))
        .values("names")
    )
