"""Status mails to the proposer: after commit, in their language, text and HTML."""

import logging

import pytest
from django.core.mail import EmailMultiAlternatives

from impulses.models import ProposalStatus
from tests.conftest import berlin
from tests.impulses.conftest import at

pytestmark = pytest.mark.django_db


def test_accepting_mails_the_proposer_after_commit(
    make_proposal, member, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        proposal.accept("Wir freuen uns!")
    assert mailoutbox == []  # nothing leaves before the decision is committed
    for callback in callbacks:
        callback()
    [mail] = mailoutbox
    assert mail.to == [member.email]
    assert proposal.title in mail.subject
    assert "Wir freuen uns!" in mail.body
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    assert "Wir freuen uns!" in html and proposal.title in html
    assert "/impulse/proposals/mine/" in mail.body


def test_declining_mails_the_message(
    make_proposal, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal()
    with django_capture_on_commit_callbacks(execute=True):
        proposal.decline("Das Thema hatten wir letzten Monat.")
    [mail] = mailoutbox
    assert "Das Thema hatten wir letzten Monat." in mail.body


def test_a_message_cannot_inject_html(
    make_proposal, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = make_proposal(title="<b>Fett</b>")
    with django_capture_on_commit_callbacks(execute=True):
        proposal.accept("<script>x</script>")
    html = mailoutbox[0].alternatives[0].content
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Fett</b>" in mailoutbox[0].body  # plain text stays plain


@pytest.mark.parametrize(
    ("language", "weekday"), [("de", "Dienstag"), ("en", "Tuesday")]
)
def test_the_schedule_mail_speaks_the_proposers_language(
    make_proposal,
    make_event,
    member,
    mailoutbox,
    django_capture_on_commit_callbacks,
    language,
    weekday,
):
    member.profile.preferred_language = language
    member.profile.save()
    event = make_event(starts_at=berlin(2030, 10, 29, 19, 0))  # a Tuesday
    proposal = make_proposal(status=ProposalStatus.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        proposal.schedule(event, at(event, 30))
    [mail] = mailoutbox
    assert weekday in mail.body
    assert ("19:30 Uhr" if language == "de" else "7:30 PM") in mail.body


def test_a_mail_that_fails_is_logged_not_raised(
    make_proposal, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(self, fail_silently=False):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    proposal = make_proposal()
    with (
        caplog.at_level(logging.ERROR, logger="impulses.models"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        proposal.accept()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert "Status mail for Impuls proposal" in caplog.text


def test_withdrawing_sends_no_mail(
    make_proposal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal().withdraw()
    assert mailoutbox == []
