from django.urls import path

from accounts import views
from accounts.models import LegalPage

app_name = "accounts"

urlpatterns = [
    path("members/", views.profile_list, name="directory"),
    path("members/<slug:handle>/", views.profile_detail, name="profile"),
    path("me/profile/", views.profile_edit, name="edit-profile"),
    path("me/account/", views.account_overview, name="account"),
    path("me/emails/", views.mail_preferences, name="mail-preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("me/export/", views.export_data, name="export"),
    path("me/delete/", views.delete_account, name="delete"),
    path("me/delete/code/", views.send_deletion_code, name="delete-code"),
    path(
        "impressum/", views.legal_page, {"kind": LegalPage.Kind.IMPRINT}, name="imprint"
    ),
    path(
        "datenschutz/",
        views.legal_page,
        {"kind": LegalPage.Kind.PRIVACY},
        name="privacy",
    ),
]
