"""Comments imported from the old blog: written by guests, shown with their name,
their address never shown, and claimed by the member who wrote them."""

import importlib
import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from events.models import Comment, Recap, RecapStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

OLD_ADDRESS = "Mia@Example.org"  # as typed on the old blog, another case


@pytest.fixture
def old_recap() -> Recap:
    return Recap.objects.create(
        title="Kick-off im La Sall",
        slug="kick-off",
        body="<p>Alles begann im La Sall.</p>",
        body_format="html",
        byline="Nina Orga",
        status=RecapStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(days=3000),
    )


def guest(recap: Recap, text: str, name: str = "Mia", email: str = OLD_ADDRESS, **kw):
    return recap.add_guest_comment(
        name=name,
        email=email,
        text=text,
        written_at=timezone.now() - timedelta(days=2999),
        **kw,
    )


def test_guest_comment_shows_name_and_guest_but_never_the_address(
    client, old_recap
) -> None:
    guest(old_recap, "Toller Abend!")
    html = client.get(old_recap.get_absolute_url()).content.decode()
    assert "Toller Abend!" in html
    assert '<strong class="comment-author"' in html and ">Mia</strong>" in html
    assert "pill-guest" in html
    assert "example.org" not in html.casefold()
    # An event-less recap: no evening, no attendance, the old byline.
    assert "Nina Orga" in html
    assert "attendance-title" not in html


def test_admin_and_moderation_show_the_guest_without_the_address(
    client, organizer, old_recap
) -> None:
    comment = guest(old_recap, "Toller Abend!")
    client.force_login(organizer)
    listing = client.get(reverse("admin:events_comment_changelist")).content.decode()
    assert "Mia (Gast)" in listing or "Mia (guest)" in listing
    detail = client.get(
        reverse("admin:events_comment_change", args=[comment.pk])
    ).content.decode()
    assert "example.org" not in detail.casefold()
    assert "example.org" not in listing.casefold()
    found = client.get(reverse("admin:events_comment_changelist"), {"q": "Mia"})
    assert "Toller Abend!" in found.content.decode()
    # Hide and show again, as with any comment.
    client.post(reverse("events:comment-hide", args=[old_recap.slug, comment.pk]))
    comment.refresh_from_db()
    assert comment.is_hidden


def test_members_report_and_answer_guest_comments_without_errors(
    client, member, old_recap, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    comment = guest(old_recap, "Toller Abend!", email="gabi@example.org")
    client.force_login(member)
    page = client.get(
        reverse("events:comment-report", args=[old_recap.slug, comment.pk])
    )
    assert page.status_code == 200 and "Mia" in page.content.decode()
    client.post(
        reverse("events:comment-report", args=[old_recap.slug, comment.pk]),
        {"reason": "Spam?"},
    )
    assert comment.reports.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:comment-create", args=[old_recap.slug]),
            {"body": "Ja, das war schön.", "parent": comment.pk},
        )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=comment)
    assert reply.author == member
    # Nobody to tell: the guest has no account, the old recap no member author.
    assert mailoutbox == []


def test_deleting_a_deep_reply_keeps_the_replies_under_it(
    client, organizer, old_recap
) -> None:
    top = guest(old_recap, "Erster")
    middle = guest(old_recap, "Zweiter", parent=top)
    deep = guest(old_recap, "Dritter", parent=middle)
    middle.delete_by(organizer)
    middle.refresh_from_db()
    assert middle.is_deleted and middle.guest_name == middle.guest_email == ""
    deep.refresh_from_db()
    assert deep.parent == middle
    html = client.get(old_recap.get_absolute_url()).content.decode()
    assert "Dritter" in html and "Zweiter" not in html
    deep.delete_by(organizer)
    # The empty placeholder goes with its last reply.
    assert list(old_recap.comments.all()) == [top]


def test_member_claims_their_old_comments_from_the_account_page(
    client, member, old_recap
) -> None:
    mine = [guest(old_recap, "Meiner"), guest(old_recap, "Auch meiner")]
    other = guest(old_recap, "Fremd", name="Gabi", email="gabi@example.org")
    client.force_login(member)
    page = client.get(reverse("accounts:account")).content.decode()
    assert reverse("events:claim-comments") in page
    assert "2" in page
    assert client.get(reverse("events:claim-comments")).status_code == 405
    response = client.post(reverse("events:claim-comments"))
    assert response.status_code == 302
    for comment in mine:
        comment.refresh_from_db()
        assert comment.author == member
        assert comment.guest_name == comment.guest_email == ""
        assert not comment.is_guest
    other.refresh_from_db()
    assert other.is_guest and other.author is None
    html = client.get(old_recap.get_absolute_url()).content.decode()
    assert "Mia Muster" in html  # the member's name now, with their profile
    assert (
        reverse("events:claim-comments")
        not in client.get(reverse("accounts:account")).content.decode()
    )


def test_an_unconfirmed_address_claims_nothing(client, old_recap) -> None:
    comment = guest(old_recap, "Meiner", email="neu@example.org")
    newcomer = make_user("neu@example.org", name="Neu", verified=False)
    client.force_login(newcomer)
    assert (
        reverse("events:claim-comments")
        not in client.get(reverse("accounts:account")).content.decode()
    )
    client.post(reverse("events:claim-comments"))
    comment.refresh_from_db()
    assert comment.author is None and comment.is_guest
    # Confirming the address is what it takes.
    EmailAddress.objects.filter(user=newcomer).update(verified=True)
    client.post(reverse("events:claim-comments"))
    comment.refresh_from_db()
    assert comment.author == newcomer


def test_claiming_needs_a_login(client, old_recap) -> None:
    guest(old_recap, "Meiner")
    response = client.post(reverse("events:claim-comments"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert Comment.objects.get().is_guest


def test_data_export_and_deletion_cover_guest_comments(
    client, member, stranger, old_recap
) -> None:
    guest(old_recap, "Noch nicht übernommen")
    claimed = guest(old_recap, "Übernommen")
    Comment.objects.filter(pk=claimed.pk).update(
        author=member, guest_name="", guest_email=""
    )
    client.force_login(member)
    data = json.loads(client.get(reverse("accounts:export")).content)
    assert [c["text"] for c in data["events"]["comments"]] == ["Übernommen"]
    assert [c["text"] for c in data["events"]["guest_comments_with_your_address"]] == [
        "Noch nicht übernommen"
    ]
    member.delete_account()
    left = Comment.objects.get(body="Noch nicht übernommen")
    assert left.guest_email == "" and left.guest_name == "Mia"
    gone = Comment.objects.get(body="Übernommen")
    assert gone.author is None and gone.author_name in (
        "gelöschtes Mitglied",
        "deleted member",
    )


def test_privacy_page_says_what_is_kept_of_imported_comments(client) -> None:
    from django.apps import apps

    from accounts.models import LegalPage

    seed = importlib.import_module("accounts.migrations.0003_seed_legal_pages")
    update = importlib.import_module(
        "events.migrations.0008_privacy_text_for_imported_comments"
    )
    # As a fresh database has it (a browser test's flush may have removed it).
    LegalPage.objects.all().delete()
    seed.seed_legal_pages(apps, None)
    update.add_imported_comments(apps, None)
    update.add_imported_comments(apps, None)  # once is enough
    html = client.get(reverse("accounts:privacy")).content.decode()
    assert html.count("IP-Adressen aus dem alten Blog") == 1
    assert "übernehmen" in html
    update.remove_imported_comments(apps, None)
    assert LegalPage.objects.get(kind="privacy").body == seed.PRIVACY_BODY
    # A text the Orga-Team rewrote is theirs: left alone.
    LegalPage.objects.filter(kind="privacy").update(body="Eigener Text")
    update.add_imported_comments(apps, None)
    assert LegalPage.objects.get(kind="privacy").body == "Eigener Text"


def test_a_comment_is_a_members_or_a_guests_never_both(member, old_recap) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(
            recap=old_recap, author=member, guest_name="Mia", body="Beides"
        )
