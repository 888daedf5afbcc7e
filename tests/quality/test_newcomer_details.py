"""The small things a newcomer meets: labels, wording, consent, line breaks."""

import importlib
import re
from typing import Any

import pytest
from django.db import migrations
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from accounts.models import Profile, User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", [reverse("impulses:proposal-create"), reverse("impulses:wish-create")]
)
def test_form_labels_end_without_a_colon(client: Client, member: User, url: str):
    client.force_login(member)
    html = client.get(url, headers={"accept-language": "de"}).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    assert labels
    assert not [label for label in labels if label.strip().endswith(":")]


def test_the_orga_message_form_labels_end_without_a_colon(
    client: Client, organizer: User, make_event: Any
) -> None:
    event = make_event()
    event.rsvp(make_user("gast@example.org"))
    client.force_login(organizer)
    url = reverse("events:orga-message", args=[event.slug])
    html = client.get(
        url, headers={"accept-language": "de"}, follow=True
    ).content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    assert labels and not [label for label in labels if label.strip().endswith(":")]


def test_the_proposal_page_says_what_happened_to_the_proposal(
    client: Client, member: User
) -> None:
    from impulses.models import Proposal

    proposal = Proposal.objects.create(
        proposer=member, title="Reels", abstract="Kurz und knapp."
    )
    client.force_login(member)
    html = client.get(
        proposal.get_absolute_url(), headers={"accept-language": "de"}
    ).content.decode()
    assert "Das Orga-Team hat deinen Vorschlag bekommen und antwortet" in html


def test_a_line_may_break_after_a_gender_colon_and_nowhere_else() -> None:
    template = Template("{% load stammtisch %}{{ text|soft_breaks }}")
    text = "Mitarbeitende als Markenbotschafter:innen: Wo fangen <wir> an? 19:30"
    html = template.render(Context({"text": text}))
    assert html == (
        "Mitarbeitende als Markenbotschafter:<wbr>innen: Wo fangen &lt;wir&gt; an?"
        " 19:30"
    )
    assert Template("{% load stammtisch %}{{ t|soft_breaks }}").render(
        Context({"t": "Kolleg*innen und Kund_in"})
    ) == ("Kolleg*<wbr>innen und Kund_<wbr>in")


# Consent is given, never assumed


def test_no_box_is_ticked_for_a_newcomer(client: Client, make_event: Any) -> None:
    for url in (reverse("account_signup"), make_event().get_absolute_url()):
        html = client.get(url).content.decode()
        assert not re.search(r"<input[^>]*checkbox[^>]*checked", html), url


def test_new_members_get_no_mails_about_new_dates_until_they_ask(
    client: Client,
) -> None:
    client.post(reverse("account_signup"), {"email": "nora@example.org"})
    profile = Profile.objects.get(user__email="nora@example.org")
    assert profile.notify_announcements is False
    user = User.objects.get(email="nora@example.org")
    client.force_login(user)
    html = client.get(reverse("accounts:mail-preferences")).content.decode()
    box = re.search(r'<input[^>]*name="notify_announcements"[^>]*>', html).group(0)
    assert "checked" not in box


def test_the_migration_changes_no_members_stored_choice() -> None:
    """Only the default for new profiles: no data migration touches existing ones."""
    module = importlib.import_module(
        "accounts.migrations.0005_new_dates_mail_off_by_default"
    )
    operations = module.Migration.operations
    assert [type(op) for op in operations] == [migrations.AlterField]
    assert operations[0].field.default is False


def test_logging_in_is_never_called_angemeldet(
    client: Client, member: User, mailoutbox: list
) -> None:
    """In German "angemeldet" means signed up for an evening: a login is
    "eingeloggt", so nobody thinks they are coming when they are not."""
    german = {"accept-language": "de"}
    client.post(
        reverse("account_request_login_code"), {"email": member.email}, headers=german
    )
    code = re.search(r"[B-Z]{4}-[B-Z]{4}", mailoutbox[0].subject).group(0)
    response = client.post(
        reverse("account_confirm_login_code"), {"code": code}, headers=german
    )
    html = client.get(response.url, headers=german).content.decode()
    messages = html[html.index('class="wrap messages"') :][:400]
    assert "eingeloggt" in messages
    assert "angemeldet" not in messages.lower()
    assert "Login-Code" in mailoutbox[0].subject
