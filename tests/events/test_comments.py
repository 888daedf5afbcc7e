"""Comments on recaps: writing, replying, editing, deleting, and every bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from events.models import Comment, Recap, RecapStatus
from tests.conftest import make_user
from tests.events.recap_support import comment, make_recap, past_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def recap(make_event, organizer) -> Recap:
    return make_recap(past_event(make_event), author=organizer)


def create_url(recap: Recap) -> str:
    return reverse("events:comment-create", args=[recap.slug])


def action_url(name: str, c: Comment) -> str:
    return reverse(f"events:comment-{name}", args=[c.recap.slug, c.pk])


# Writing ----------------------------------------------------------------------


def test_member_comments_and_lands_on_the_permalink(client, recap, member) -> None:
    client.force_login(member)
    response = client.post(create_url(recap), {"body": "  Toller Abend!  "})
    made = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{recap.get_absolute_url()}#comment-{made.pk}"
    assert made.body == "Toller Abend!"
    assert made.author == member and made.parent is None
    page = client.get(recap.get_absolute_url()).content.decode()
    assert f'id="comment-{made.pk}"' in page
    assert "Toller Abend!" in page


def test_member_replies_to_a_comment(client, recap, member, stranger) -> None:
    first = comment(recap, stranger, "Wer war noch da?")
    client.force_login(member)
    response = client.post(create_url(recap), {"body": "Ich!", "parent": first.pk})
    reply = Comment.objects.get(parent=first)
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    thread = client.get(recap.get_absolute_url()).context["thread"]
    assert thread == [first]
    assert thread[0].shown_replies == [reply]


def test_reply_link_shows_a_reply_form_under_the_comment(client, recap, member) -> None:
    first = comment(recap, member)
    client.force_login(member)
    html = client.get(f"{recap.get_absolute_url()}?reply={first.pk}").content.decode()
    assert 'id="reply-form"' in html
    assert f'name="parent" value="{first.pk}"' in html


def test_text_keeps_paragraphs_and_links_urls_without_accepting_html(
    client, recap, member
) -> None:
    client.force_login(member)
    client.post(
        create_url(recap),
        {
            "body": "Erster Absatz\nneue Zeile\n\nSiehe https://example.org/a?b=1&c=2 "
            '<a href="https://evil.example">böse</a> <b>fett</b>'
        },
    )
    html = str(Comment.objects.get().body_html)
    assert html.startswith("<p>Erster Absatz<br>neue Zeile</p><p>")
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        in html
    )
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert '<a href="https://evil.example">' not in html


def test_xss_in_comments_renders_inert(client, recap, member) -> None:
    client.force_login(member)
    payload = (
        "<script>alert(1)</script><img src=x onerror=alert(1)> javascript:alert(1) "
        '"><svg onload=alert(1)>'
    )
    client.post(create_url(recap), {"body": payload})
    html = client.get(recap.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg onload" not in html
    assert 'href="javascript' not in html


# Who may write ----------------------------------------------------------------


def test_anonymous_post_goes_to_login_and_back_to_the_recap(client, recap) -> None:
    response = client.post(create_url(recap), {"body": "Hallo"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "recaps" in response["Location"]
    assert not Comment.objects.exists()


def test_unverified_member_is_asked_to_confirm_first(client, recap) -> None:
    client.force_login(make_user("new@example.org", verified=False))
    response = client.post(
        create_url(recap), {"body": "Hallo"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "confirm your e-mail address" in response.content.decode()
    assert not Comment.objects.exists()


def test_draft_recap_takes_no_comments(client, make_event, member, organizer) -> None:
    draft = make_recap(
        past_event(make_event), status=RecapStatus.DRAFT, published_at=None
    )
    client.force_login(member)
    assert client.post(create_url(draft), {"body": "Hallo"}).status_code == 404
    client.force_login(organizer)
    response = client.post(
        create_url(draft), {"body": "Hallo"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Comments open once the recap is published." in response.content.decode()
    assert not Comment.objects.exists()


def test_closed_comments_take_no_comments(client, recap, member) -> None:
    recap.close_comments()
    client.force_login(member)
    response = client.post(
        create_url(recap), {"body": "Hallo"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Comments on this recap are closed." in response.content.decode()
    assert not Comment.objects.exists()
    page = client.get(recap.get_absolute_url()).content.decode()
    assert 'id="comment-form-body"' not in page


def test_organizer_closes_and_reopens_comments(
    client, recap, member, organizer
) -> None:
    close = reverse("events:recap-close-comments", args=[recap.slug])
    reopen = reverse("events:recap-open-comments", args=[recap.slug])
    client.force_login(member)
    assert client.post(close).status_code == 403
    client.force_login(organizer)
    assert client.post(close).status_code == 302
    recap.refresh_from_db()
    assert not recap.comments_open
    assert client.post(reopen).status_code == 302
    recap.refresh_from_db()
    assert recap.comments_open


def test_anonymous_close_goes_to_login(client, recap) -> None:
    response = client.post(reverse("events:recap-close-comments", args=[recap.slug]))
    assert response["Location"].startswith(reverse("account_login"))
    recap.refresh_from_db()
    assert recap.comments_open


# Bad input --------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\n  ", "x" * 5001])
def test_empty_or_too_long_comments_are_refused(client, recap, member, body) -> None:
    client.force_login(member)
    response = client.post(create_url(recap), {"body": body}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please write something first." in html or "at most 5000 characters" in html
    assert 'aria-invalid="true"' in html
    assert not Comment.objects.exists()


def test_exactly_5000_characters_are_fine(client, recap, member) -> None:
    client.force_login(member)
    client.post(create_url(recap), {"body": "x" * 5000})
    assert len(Comment.objects.get().body) == 5000


def test_model_refuses_too_long_text_too(recap, member) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        recap.add_comment(member, "x" * 5001)
    with pytest.raises(ValidationError):
        recap.add_comment(member, " ")


def test_reply_to_a_reply_is_refused(client, recap, member, stranger) -> None:
    first = comment(recap, stranger)
    reply = comment(recap, member, parent=first)
    client.force_login(member)
    response = client.post(
        create_url(recap),
        {"body": "Tiefer", "parent": reply.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "not to a reply" in response.content.decode()
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_reply_to_a_hidden_or_deleted_comment_is_refused(
    client, recap, member, stranger, state
) -> None:
    if state == "hidden":
        gone = comment(recap, stranger, is_hidden=True)
    else:
        gone = comment(recap, stranger, body="", deleted_at=timezone.now())
    client.force_login(member)
    response = client.post(
        create_url(recap),
        {"body": "Hallo?", "parent": gone.pk},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "cannot be replied to" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("parent", ["999999", "abc", "other-recap"])
def test_reply_to_a_comment_that_is_not_there_is_refused(
    client, make_event, recap, member, parent
) -> None:
    if parent == "other-recap":
        parent = comment(make_recap(past_event(make_event, 60)), member).pk
    client.force_login(member)
    response = client.post(create_url(recap), {"body": "Hallo", "parent": parent})
    assert response.status_code == 400
    assert not recap.comments.exists()


def test_honeypot_drops_the_comment_silently(client, recap, member) -> None:
    client.force_login(member)
    response = client.post(
        create_url(recap), {"body": "Kauf jetzt!", "website": "https://spam.example"}
    )
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_rate_limit_allows_five_comments_in_ten_minutes(client, recap, member) -> None:
    client.force_login(member)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(5):
            assert (
                client.post(create_url(recap), {"body": f"Nr. {n}"}).status_code == 302
            )
        response = client.post(
            create_url(recap), {"body": "Nr. 6"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 429
        assert "Please wait a few minutes" in response.content.decode()
        assert Comment.objects.count() == 5
        clock.shift(timedelta(minutes=10, seconds=1))
        assert client.post(create_url(recap), {"body": "Nr. 6"}).status_code == 302
    assert Comment.objects.count() == 6


def test_rate_limit_is_per_member(client, recap, member, stranger) -> None:
    client.force_login(member)
    for n in range(5):
        client.post(create_url(recap), {"body": f"Nr. {n}"})
    client.force_login(stranger)
    assert client.post(create_url(recap), {"body": "Ich auch"}).status_code == 302


@pytest.mark.parametrize(
    "name",
    ["comment-create", "recap-close-comments", "recap-open-comments"],
)
def test_get_on_recap_post_urls_is_405(client, recap, member, name) -> None:
    client.force_login(member)
    assert client.get(reverse(f"events:{name}", args=[recap.slug])).status_code == 405


@pytest.mark.parametrize("name", ["delete", "hide", "unhide"])
def test_get_on_comment_post_urls_is_405(client, recap, member, name) -> None:
    c = comment(recap, member)
    client.force_login(member)
    assert client.get(action_url(name, c)).status_code == 405


# Editing ----------------------------------------------------------------------


def test_author_edits_within_15_minutes(client, recap, member) -> None:
    c = comment(recap, member, "Tippfeler")
    client.force_login(member)
    assert client.get(action_url("edit", c)).status_code == 200
    response = client.post(action_url("edit", c), {"body": "Tippfehler"})
    assert response["Location"].endswith(f"#comment-{c.pk}")
    c.refresh_from_db()
    assert c.body == "Tippfehler"
    assert c.edited_at is not None
    page = client.get(recap.get_absolute_url()).content.decode()
    assert 'class="comment-edited"' in page


def test_editing_after_15_minutes_is_refused(client, recap, member) -> None:
    c = comment(recap, member, "Alt")
    client.force_login(member)
    with time_machine.travel(c.created_at + timedelta(minutes=15, seconds=1)):
        response = client.get(action_url("edit", c), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
        response = client.post(
            action_url("edit", c),
            {"body": "Neu"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        assert "first 15 minutes" in response.content.decode()
        page = client.get(recap.get_absolute_url()).content.decode()
        assert action_url("edit", c) not in page
    c.refresh_from_db()
    assert c.body == "Alt" and c.edited_at is None


def test_editing_someone_elses_comment_is_forbidden(
    client, recap, member, stranger
) -> None:
    theirs = comment(recap, stranger, "Meins")
    client.force_login(member)
    assert client.get(action_url("edit", theirs)).status_code == 403
    assert (
        client.post(action_url("edit", theirs), {"body": "Gekapert"}).status_code == 403
    )
    theirs.refresh_from_db()
    assert theirs.body == "Meins"


def test_guessed_ids_from_other_recaps_are_404(
    client, make_event, recap, member
) -> None:
    other = make_recap(past_event(make_event, 60))
    mine = comment(other, member, "Woanders")
    client.force_login(member)
    wrong = reverse("events:comment-edit", args=[recap.slug, mine.pk])
    assert client.post(wrong, {"body": "x"}).status_code == 404
    assert (
        client.post(
            reverse("events:comment-edit", args=[recap.slug, 999999])
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.body == "Woanders"


def test_anonymous_edit_goes_to_login(client, recap, member) -> None:
    c = comment(recap, member)
    response = client.get(action_url("edit", c))
    assert response["Location"].startswith(reverse("account_login"))


def test_edit_with_empty_text_is_refused(client, recap, member) -> None:
    c = comment(recap, member, "Bleibt")
    client.force_login(member)
    assert client.post(action_url("edit", c), {"body": "   "}).status_code == 400
    c.refresh_from_db()
    assert c.body == "Bleibt"


# Deleting ---------------------------------------------------------------------


def test_author_deletes_a_comment_without_replies(client, recap, member) -> None:
    c = comment(recap, member)
    client.force_login(member)
    assert client.post(action_url("delete", c)).status_code == 302
    assert not Comment.objects.exists()


def test_a_deleted_comment_with_replies_stays_as_placeholder(
    client, recap, member, stranger
) -> None:
    c = comment(recap, member, "Geheimer Text")
    reply = comment(recap, stranger, "Antwort", parent=c)
    client.force_login(member)
    client.post(action_url("delete", c), HTTP_ACCEPT_LANGUAGE="en")
    c.refresh_from_db()
    assert c.is_deleted and c.body == ""
    client.logout()
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Comment deleted." in html
    assert "Geheimer Text" not in html
    assert "Antwort" in html
    # When the last reply goes, the placeholder goes with it.
    client.force_login(stranger)
    client.post(action_url("delete", reply))
    assert not Comment.objects.exists()


def test_deleting_someone_elses_comment_is_forbidden(
    client, recap, member, stranger
) -> None:
    theirs = comment(recap, stranger)
    client.force_login(member)
    assert client.post(action_url("delete", theirs)).status_code == 403
    assert Comment.objects.filter(pk=theirs.pk).exists()


def test_organizer_deletes_any_comment(client, recap, member, organizer) -> None:
    c = comment(recap, member)
    client.force_login(organizer)
    assert client.post(action_url("delete", c)).status_code == 302
    assert not Comment.objects.exists()


def test_anonymous_delete_goes_to_login(client, recap, member) -> None:
    c = comment(recap, member)
    response = client.post(action_url("delete", c))
    assert response["Location"].startswith(reverse("account_login"))
    assert Comment.objects.exists()


# Moderation -------------------------------------------------------------------


def test_organizer_hides_a_comment_and_others_no_longer_see_it(
    client, recap, member, stranger, organizer
) -> None:
    c = comment(recap, member, "Unfreundlich")
    client.force_login(organizer)
    assert client.post(action_url("hide", c)).status_code == 302
    c.refresh_from_db()
    assert c.is_hidden
    organizer_view = client.get(recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert "Unfreundlich" in organizer_view.content.decode()
    assert "pill-hidden" in organizer_view.content.decode()
    for viewer in (stranger, member, None):
        client.logout()
        if viewer:
            client.force_login(viewer)
        assert (
            "Unfreundlich" not in client.get(recap.get_absolute_url()).content.decode()
        )
    client.force_login(organizer)
    client.post(action_url("unhide", c))
    client.logout()
    assert "Unfreundlich" in client.get(recap.get_absolute_url()).content.decode()


def test_hidden_comment_with_replies_reads_as_placeholder(
    client, recap, member, stranger
) -> None:
    c = comment(recap, member, "Versteckt", is_hidden=True)
    comment(recap, stranger, "Sichtbare Antwort", parent=c)
    html = client.get(
        recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "This comment was hidden by the Orga-Team." in html
    assert "Versteckt" not in html
    assert "Sichtbare Antwort" in html


@pytest.mark.parametrize("name", ["hide", "unhide"])
def test_members_cannot_moderate(client, recap, member, stranger, name) -> None:
    c = comment(recap, stranger, is_hidden=(name == "unhide"))
    client.force_login(member)
    assert client.post(action_url(name, c)).status_code == 403
    client.logout()
    assert client.post(action_url(name, c))["Location"].startswith(
        reverse("account_login")
    )
    c.refresh_from_db()
    assert c.is_hidden == (name == "unhide")


def test_member_reports_a_comment_once(client, recap, member, stranger) -> None:
    c = comment(recap, stranger, "Spam")
    client.force_login(member)
    assert client.get(action_url("report", c)).status_code == 200
    response = client.post(action_url("report", c), {"reason": "Werbung"})
    assert response["Location"].endswith(f"#comment-{c.pk}")
    client.post(action_url("report", c), {"reason": "Nochmal"})
    assert c.reports.count() == 1
    assert c.reports.get().reason == "Werbung"
    assert list(Comment.objects.reported()) == [c]
    c.hide()
    assert not Comment.objects.reported().exists()


def test_own_comment_cannot_be_reported(client, recap, member) -> None:
    c = comment(recap, member)
    client.force_login(member)
    response = client.post(
        action_url("report", c), {"reason": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "cannot report your own comment" in response.content.decode()
    assert not c.reports.exists()


def test_report_reason_over_1000_characters_is_refused(
    client, recap, member, stranger
) -> None:
    c = comment(recap, stranger)
    client.force_login(member)
    assert (
        client.post(action_url("report", c), {"reason": "x" * 1001}).status_code == 400
    )
    assert not c.reports.exists()


def test_anonymous_report_goes_to_login(client, recap, member) -> None:
    c = comment(recap, member)
    assert client.get(action_url("report", c))["Location"].startswith(
        reverse("account_login")
    )


# Notifications ----------------------------------------------------------------


def _post(client, recap, captured, **data):
    with captured(execute=True):
        return client.post(create_url(recap), data)


def test_reply_mails_the_parent_author_and_the_recap_author_in_their_language(
    client,
    recap,
    member,
    stranger,
    organizer,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    stranger.profile.preferred_language = "en"
    stranger.profile.save()
    Profile.objects.update(notify_replies=True)
    first = comment(recap, stranger, "Wie fandet ihr es?")
    client.force_login(member)
    _post(
        client,
        recap,
        django_capture_on_commit_callbacks,
        body="Super!",
        parent=first.pk,
    )
    reply = Comment.objects.get(parent=first)
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {stranger.email, organizer.email}
    english = by_address[stranger.email]
    assert english.subject == "[#SoMeH] Mia Muster replied to your comment"
    assert f"#comment-{reply.pk}" in english.body
    assert "Super!" in english.body
    assert english.alternatives[0].mimetype == "text/html"
    assert "Super!" in english.alternatives[0].content


def test_top_level_comment_mails_the_recap_author_only(
    client, recap, member, organizer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    Profile.objects.update(notify_replies=True)
    client.force_login(member)
    _post(client, recap, django_capture_on_commit_callbacks, body="Hallo")
    assert [m.to for m in mailoutbox] == [[organizer.email]]


def test_nobody_is_mailed_about_their_own_words(
    client, recap, organizer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    first = comment(recap, organizer)
    client.force_login(organizer)
    _post(
        client, recap, django_capture_on_commit_callbacks, body="Ich", parent=first.pk
    )
    assert mailoutbox == []


def test_opted_out_members_get_no_mail(
    client,
    recap,
    member,
    stranger,
    organizer,
    mailoutbox,
    django_capture_on_commit_callbacks,
) -> None:
    for person in (stranger, organizer):
        person.profile.notify_replies = False
        person.profile.save()
    first = comment(recap, stranger)
    client.force_login(member)
    _post(client, recap, django_capture_on_commit_callbacks, body="Hi", parent=first.pk)
    assert Comment.objects.filter(parent=first).exists()
    assert mailoutbox == []


def test_a_failing_mail_server_loses_no_comment(
    client, recap, member, monkeypatch, caplog, django_capture_on_commit_callbacks
) -> None:
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    Profile.objects.update(notify_replies=True)
    client.force_login(member)
    response = _post(client, recap, django_capture_on_commit_callbacks, body="Trotzdem")
    assert response.status_code == 302
    assert Comment.objects.get().body == "Trotzdem"
    assert "Could not send comment notification" in caplog.text


# Data export ------------------------------------------------------------------


def test_export_contains_the_members_comments_and_nobody_elses(
    recap, member, stranger
) -> None:
    from django.apps import apps

    comment(recap, member, "Mein Kommentar")
    comment(recap, stranger, "Fremder Kommentar")
    data = apps.get_app_config("events").export_member_data(member)
    assert [c["text"] for c in data["comments"]] == ["Mein Kommentar"]
    assert data["comments"][0]["url"].endswith(
        recap.get_absolute_url()
        + "#comment-"
        + str(recap.comments.get(author=member).pk)
    )


def test_comments_of_a_deleted_account_stay_without_the_name(
    client, recap, member, stranger
) -> None:
    first = comment(recap, member, "Bleibt lesbar")
    comment(recap, stranger, "Antwort darauf", parent=first)
    member.delete()
    html = client.get(recap.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    text = html.content.decode()
    assert "Bleibt lesbar" in text and "deleted member" in text
    assert "Mia Muster" not in text
