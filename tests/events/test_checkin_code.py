"""The door check-in by QR code: each member going carries a signed code (mail and
"My events"); the Orga-Team's scanner posts it, and one scan is one check-in."""

import io
import threading
from datetime import timedelta

import pytest
import zxingcpp
from django.core import mail, signing
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from events.models import RSVP, Event, RSVPStatus
from events.models.rsvp import CHECKIN_CODE_SALT
from tests.conftest import make_user
from tests.events.orga_support import answer, make_orga

pytestmark = pytest.mark.django_db

JSON = {"accept": "application/json", "accept-language": "en"}


@pytest.fixture
def orga(db):
    return make_orga()


@pytest.fixture
def tonight(make_event) -> Event:
    start = timezone.localtime().replace(hour=19, minute=0, second=0, microsecond=0)
    return make_event(title="Heute Abend", starts_at=start, capacity=3)


@pytest.fixture
def anna_rsvp(tonight) -> RSVP:
    return answer(tonight, make_user("anna@example.org", name="Anna Ärger"))


def code_url(event: Event) -> str:
    return reverse("events:checkin-code", args=[event.slug])


def decode(png: bytes) -> str:

    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def test_code_holds_no_personal_data_and_reads_back(anna_rsvp) -> None:
    code = anna_rsvp.checkin_code()
    assert "anna" not in code.lower() and "Ärger" not in code
    payload = signing.b64_decode(code.split(":")[0].encode()).decode()
    assert payload == f"[{anna_rsvp.event_id},{anna_rsvp.pk}]"
    assert RSVP.read_checkin_code(code) == (anna_rsvp.event_id, anna_rsvp.pk)
    # The image holds exactly this text.
    assert decode(anna_rsvp.checkin_qr_png()) == code


def test_first_scan_checks_in_second_says_already_here(
    client, orga, tonight, anna_rsvp
) -> None:
    client.force_login(orga)
    code = anna_rsvp.checkin_code()
    first = client.post(code_url(tonight), {"code": code}, headers=JSON)
    assert first.status_code == 200
    data = first.json()
    assert data["ok"] and data["new"] and data["here_count"] == 1
    assert data["member"] == anna_rsvp.member_id
    assert data["message"] == "Anna Ärger is checked in. Welcome!"
    anna_rsvp.refresh_from_db()
    checked_in_at = anna_rsvp.checked_in_at
    assert checked_in_at is not None

    second = client.post(code_url(tonight), {"code": code}, headers=JSON)
    assert second.status_code == 200
    assert second.json()["new"] is False
    assert "Anna Ärger is already here (checked in at" in second.json()["message"]
    anna_rsvp.refresh_from_db()
    assert anna_rsvp.checked_in_at == checked_in_at


def test_parallel_scans_check_in_once(
    transactional_db, orga, tonight, anna_rsvp
) -> None:
    code = anna_rsvp.checkin_code()
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def scan() -> None:
        try:
            barrier.wait()
            event = Event.objects.get(pk=tonight.pk)
            results.append(event.check_in_by_code(code, by=orga).is_new)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_code_for_another_evening_names_that_evening(
    client, orga, tonight, anna_rsvp, make_event
) -> None:
    other = make_event(title="Nächster Monat")
    other_rsvp = answer(other, anna_rsvp.member)
    client.force_login(orga)
    response = client.post(
        code_url(tonight), {"code": other_rsvp.checkin_code()}, headers=JSON
    )
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert (
        "This code is for another evening: Nächster Monat"
        in (response.json()["message"])
    )
    assert not RSVP.objects.filter(checked_in_at__isnull=False).exists()


@pytest.mark.parametrize(
    "code",
    [
        "tampered",
        "WzEsMl0:forged-signature",
        "",
        "x" * 500,
        "\x00\ufffd",
        signing.Signer(salt="another.purpose").sign_object([1, 2]),
    ],
)
def test_tampered_or_foreign_code_is_refused_clearly(
    client, orga, tonight, anna_rsvp, code
) -> None:
    client.force_login(orga)
    response = client.post(code_url(tonight), {"code": code}, headers=JSON)
    assert response.status_code in (400, 409)
    message = response.json()["message"]
    assert message and "Traceback" not in message
    assert not RSVP.objects.filter(checked_in_at__isnull=False).exists()


def test_altered_code_for_a_real_rsvp_is_refused(
    client, orga, tonight, anna_rsvp
) -> None:
    _payload, signature = anna_rsvp.checkin_code().split(":")
    other = signing.b64_encode(f"[{tonight.pk},{anna_rsvp.pk + 1}]".encode())
    client.force_login(orga)
    response = client.post(
        code_url(tonight), {"code": f"{other.decode()}:{signature}"}, headers=JSON
    )
    assert response.status_code == 409
    assert "altered" in response.json()["message"]


def test_code_of_a_deleted_answer_is_refused(client, orga, tonight, anna_rsvp) -> None:
    code = anna_rsvp.checkin_code()
    anna_rsvp.delete()
    client.force_login(orga)
    response = client.post(code_url(tonight), {"code": code}, headers=JSON)
    assert response.status_code == 409
    assert "no longer exists" in response.json()["message"]


def test_code_of_someone_who_cancelled_lets_them_in(
    client, orga, tonight, anna_rsvp
) -> None:
    RSVP.objects.filter(pk=anna_rsvp.pk).update(status=RSVPStatus.NOT_GOING)
    client.force_login(orga)
    response = client.post(
        code_url(tonight), {"code": anna_rsvp.checkin_code()}, headers=JSON
    )
    assert response.json()["new"] is True
    anna_rsvp.refresh_from_db()
    assert anna_rsvp.is_going and anna_rsvp.is_checked_in


def test_plain_form_post_redirects_with_a_message(
    client, orga, tonight, anna_rsvp
) -> None:
    client.force_login(orga)
    response = client.post(
        code_url(tonight),
        {"code": anna_rsvp.checkin_code()},
        headers={"accept-language": "en"},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"#member-{anna_rsvp.member_id}")
    assert "Anna Ärger is checked in. Welcome!" in response.content.decode()
    bad = client.post(code_url(tonight), {"code": "nonsense"}, follow=True)
    assert bad.status_code == 200


def test_only_the_orga_team_may_scan(client, tonight, anna_rsvp) -> None:
    url = code_url(tonight)
    code = anna_rsvp.checkin_code()
    anonymous = client.post(url, {"code": code})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(anna_rsvp.member)  # even the code's owner
    assert client.post(url, {"code": code}, headers=JSON).status_code == 403
    assert client.get(url).status_code == 405
    anna_rsvp.refresh_from_db()
    assert anna_rsvp.checked_in_at is None


def test_post_without_csrf_token_is_refused(orga, tonight, anna_rsvp) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(orga)
    response = strict.post(
        code_url(tonight), {"code": anna_rsvp.checkin_code()}, headers=JSON
    )
    assert response.status_code == 403
    anna_rsvp.refresh_from_db()
    assert anna_rsvp.checked_in_at is None


def test_scanner_page_may_use_the_camera_no_other_page_may(
    client, orga, tonight
) -> None:
    client.force_login(orga)
    page = client.get(reverse("events:checkin", args=[tonight.slug]))
    assert "camera=(self)" in page["Permissions-Policy"]
    assert "microphone=()" in page["Permissions-Policy"]
    html = page.content.decode()
    assert 'src="/static/js/checkin-scan.js"' in html
    assert "data-scan hidden" in html  # shown only by the script, where it works
    assert reverse("events:checkin-code", args=[tonight.slug]) in html
    other = client.get(reverse("events:orga-dashboard"))
    assert "camera=()" in other["Permissions-Policy"]


def test_my_events_shows_the_code_for_evenings_with_a_seat(client, make_event) -> None:
    member = make_user("anna@example.org", name="Anna Ärger")
    coming = make_event(starts_at=timezone.now() + timedelta(days=2))
    answer(coming, member)
    waiting_event = make_event()
    answer(waiting_event, member, RSVPStatus.WAITING, waiting_since=timezone.now())
    client.force_login(member)
    html = client.get(
        reverse("events:my-events"), headers={"accept-language": "en"}
    ).content.decode()
    assert html.count('class="qr-code"') == 1
    assert "Show my check-in code" in html
    assert f"checkin-code-{coming.slug}" in html
    assert "style=" not in html.split('class="qr-code"')[1].split("</svg>")[0]


def test_confirmation_mail_carries_the_code_as_an_image(
    client, make_event, django_capture_on_commit_callbacks
) -> None:
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    member = make_user("ben@example.org", name="Ben")
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:rsvp", args=[event.slug]), {"answer": "going"})
    (message,) = mail.outbox
    (png,) = [a for a in message.attachments if a.filename == "check-in-code.png"]
    assert png.mimetype == "image/png"
    rsvp = RSVP.objects.get(event=event, member=member)
    assert decode(png.content) == rsvp.checkin_code()
    assert "check-in-code.png" in message.body
    # No image from elsewhere in the mail.
    (html, _type) = message.alternatives[0]
    assert "<img" not in html


def test_waiting_list_mail_has_no_code(
    client, make_event, django_capture_on_commit_callbacks
) -> None:
    event = make_event(starts_at=timezone.now() + timedelta(days=3), capacity=1)
    answer(event, make_user("first@example.org"))
    member = make_user("ben@example.org", name="Ben")
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:rsvp", args=[event.slug]), {"answer": "going"})
    (message,) = mail.outbox
    assert not [a for a in message.attachments if a.filename.endswith(".png")]


def test_salt_is_the_check_in_codes_own() -> None:
    assert CHECKIN_CODE_SALT == "events.rsvp.checkin-code"
