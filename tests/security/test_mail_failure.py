"""A mail server that is down never costs a member their RSVP or comment.

The real SMTP backend is pointed at a closed port on this machine, and the real
views run with real commits (the e-mails go out after commit).
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from events.models import RSVP, Comment, RecapStatus, RSVPStatus
from tests.conftest import make_user
from tests.events.recap_support import make_recap, past_event
from tests.security.outage import CLOSED_PORT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def smtp_down(settings) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": int(CLOSED_PORT), "timeout": 2},
        }
    }


@pytest.fixture
def logged_in(client: Client, member) -> Client:
    client.force_login(member)
    return client


def test_rsvp_is_kept_and_confirmed_on_the_page(
    logged_in: Client, member, make_event
) -> None:
    event = make_event()
    response = logged_in.post(f"/events/{event.slug}/rsvp/", {"answer": "going"})
    assert response.status_code == 302
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.GOING
    page = logged_in.get(response["Location"])
    assert page.status_code == 200
    assert page.context["event"].my_rsvp_status == RSVPStatus.GOING


def test_cancelling_with_a_waiting_list_keeps_both_changes(
    logged_in: Client, member, stranger, make_event
) -> None:
    event = make_event(capacity=1)
    event.rsvp(member)
    event.rsvp(stranger)  # waiting; promoted when the member cancels
    response = logged_in.post(f"/events/{event.slug}/rsvp/", {"answer": "not_going"})
    assert response.status_code == 302
    assert RSVP.objects.get(event=event, member=member).status == RSVPStatus.NOT_GOING
    assert RSVP.objects.get(event=event, member=stranger).status == RSVPStatus.GOING


def test_comment_and_reply_are_kept(
    client: Client, member, stranger, organizer, make_event
) -> None:
    recap = make_recap(
        past_event(make_event),
        author=organizer,
        status=RecapStatus.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(member)
    response = client.post(f"{recap.get_absolute_url()}comments/", {"body": "Toll!"})
    assert response.status_code == 302
    first = Comment.objects.get(author=member)
    client.force_login(stranger)
    response = client.post(
        f"{recap.get_absolute_url()}comments/",
        {"body": "Finde ich auch", "parent": first.pk},
    )
    assert response.status_code == 302
    assert Comment.objects.get(author=stranger).parent == first


def test_sign_up_keeps_the_account_when_the_confirmation_mail_fails(
    client: Client,
) -> None:
    from accounts.models import User

    response = client.post(
        "/accounts/signup/",
        {"email": "neu@example.org", "password1": "", "password2": ""},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 302
    assert User.objects.filter(email="neu@example.org").exists()
    page = client.get(response["Location"], headers={"accept-language": "en"})
    assert "try again in a few minutes" in page.content.decode().replace("\n", " ")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/code/", {"email": "mia@example.org"}),
        ("/accounts/password/reset/", {"email": "mia@example.org"}),
    ],
)
def test_login_code_and_password_reset_say_try_again_instead_of_500(
    client: Client, member, path: str, data: dict
) -> None:
    response = client.post(path, data, headers={"accept-language": "en"})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        response = client.get(response["Location"], headers={"accept-language": "en"})
    assert "try again in a few minutes" in response.content.decode().replace("\n", " ")


def test_member_without_profile_language_still_rsvps(
    client: Client, make_event
) -> None:
    user = make_user("plain@example.org")
    client.force_login(user)
    event = make_event()
    assert (
        client.post(f"/events/{event.slug}/rsvp/", {"answer": "going"}).status_code
        == 302
    )
    assert RSVP.objects.filter(member=user, status=RSVPStatus.GOING).exists()
