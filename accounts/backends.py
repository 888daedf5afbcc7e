from typing import Any

from django.contrib.auth import get_user_model
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

from somehub.lib import pagecache


class MemberBackend(ModelBackend):
    """Django's ModelBackend, reading a member's own and group permissions at once.

    Pages that check one permission for a logged-in member (profile visibility, the
    Orga-Team's links) then cost one query instead of two. With the page cache on,
    the member and their permissions are read once per generation of the site's
    content (somehub/lib/pagecache.py): any change to a member, a group or a
    permission starts a new one, so neither is ever stale.
    """

    def get_user(self, user_id: Any) -> Any:
        """The logged-in member with their profile (the profile decides what they
        see and how they are named): one query, once per generation."""
        user = pagecache.remember("member", user_id, compute=lambda: _member(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = pagecache.remember(
                "member-perms",
                user_obj.pk,
                user_obj.is_superuser,
                compute=lambda: _permissions(user_obj),
            )
        return user_obj._perm_cache


def _member(user_id: Any) -> Any:
    """The member, their profile, their permissions and whether they confirmed
    their address (which every member action asks), in one query."""
    from allauth.account.models import EmailAddress

    user_model = get_user_model()
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    members = user_model._default_manager.select_related("profile").annotate(
        perm_names=Subquery(_permission_names(OuterRef("pk"))),
        email_verified=Exists(verified),
    )
    try:
        user = members.get(pk=user_id)
    except (user_model.DoesNotExist, ValueError, TypeError):
        return None
    if not user.is_superuser:  # a superuser has every permission without asking
        user._perm_cache = set(user.perm_names.split()) if user.perm_names else set()
    # What User.has_verified_email (a cached property) would ask the database.
    user.__dict__["has_verified_email"] = user.email_verified
    del user.perm_names, user.email_verified
    return user


def _permission_names(user: Any) -> QuerySet[Permission]:
    """The names ("app.codename …") of the member's own and their groups'
    permissions; one given both ways appears twice (the caller makes a set)."""
    name = Concat(
        "content_type__app_label", Value("."), "codename", output_field=CharField()
    )
    return (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(names=StringAgg(name, Value(" ")))
        .values("names")
    )


def _permissions(user_obj: Any) -> set[str]:
    perms = Permission.objects.all()
    if not user_obj.is_superuser:
        perms = perms.filter(Q(user=user_obj) | Q(group__user=user_obj))
    rows = perms.values_list("content_type__app_label", "codename").distinct()
    return {f"{app}.{codename}" for app, codename in rows}
