from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import LegalPage, Profile, User


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    # Photos only come in through the member's form, which strips their metadata.
    readonly_fields = ["photo", "photo_thumb"]
    # The personal calendar key is a password to the member's feed: nobody else
    # reads it, organizers included.
    exclude = ["calendar_token"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "profile__display_name", "profile__handle"]
    list_select_related = ["profile"]
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )

    # Deleting here is the same as the member deleting themselves: every app's
    # part and the photo files go too.
    def delete_model(self, request: HttpRequest, obj: User) -> None:
        obj.delete_account()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user.delete_account()


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["handle", "display_name", "field", "visibility"]
    list_filter = ["field", "visibility"]
    search_fields = ["handle", "display_name", "organisation", "user__email"]
    list_select_related = ["user"]
    # A profile belongs to its account for good: moving it onto another account
    # (a superuser's, say) would hand that account someone else's name and photo.
    readonly_fields = [
        "user",
        "photo",
        "photo_thumb",
        "created_at",
        "updated_at",
    ]
    # The member's secret calendar key (see ProfileInline).
    exclude = ["calendar_token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Every account gets its profile when it is made; there is none to add.
        return False


@admin.register(LegalPage)
class LegalPageAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # There is one Impressum and one privacy page; they are edited, not added.
        existing = set(LegalPage.objects.values_list("kind", flat=True))
        return super().has_add_permission(request) and len(existing) < len(
            LegalPage.Kind
        )

    def has_delete_permission(
        self, request: HttpRequest, obj: LegalPage | None = None
    ) -> bool:
        return False
