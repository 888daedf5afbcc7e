from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Members")

    def export_member_data(self, user: "User") -> dict[str, Any]:
        """The account and profile part of a member's data export (DSGVO)."""
        from allauth.account.models import EmailAddress

        from accounts.models import Profile

        profile = Profile.objects.filter(user=user).first()
        addresses = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        return {
            "account": {
                "email": user.email,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "has_password": user.has_usable_password(),
                "email_addresses": [
                    {"email": a.email, "verified": a.verified, "primary": a.primary}
                    for a in addresses
                ],
            },
            "profile": profile.export_data() if profile else None,
        }
