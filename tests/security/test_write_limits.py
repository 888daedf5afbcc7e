"""Every member write has a limit that holds exactly under parallel requests, with a
clear message on a 429 page, and without the cache.

Each thread has its own database connection and commits for real; the counter row
(accounts.limits) is what makes exactly the limit get through.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from accounts import deletion
from accounts.models import UsageCounter, User
from events.models import Comment, CommentReport
from impulses.models import Proposal, Vote, Wish
from tests.conftest import make_user
from tests.events.recap_support import comment, make_recap, past_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs Postgres"),
]

EN = {"accept-language": "en"}


def in_parallel(count: int, request: Callable[[int], Any]) -> list[Any]:
    """`request(n)` in `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = request(n)
        except BaseException as exc:  # reported to the test
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def statuses(responses: list[Any]) -> Counter[int]:
    errors = [r for r in responses if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    return Counter(r.status_code for r in responses)


@pytest.fixture
def recap(make_event, organizer):
    return make_recap(past_event(make_event), author=organizer)


def post_comments(recap, member, count: int) -> Counter[int]:
    url = reverse("events:comment-create", args=[recap.slug])
    clients = [client_for(member) for _ in range(count)]
    return statuses(
        in_parallel(
            count, lambda n: clients[n].post(url, {"body": f"Nr. {n}"}, headers=EN)
        )
    )


def test_24_parallel_comments_let_exactly_5_through(recap, member) -> None:
    assert post_comments(recap, member, 24) == {302: 5, 429: 19}
    assert Comment.objects.filter(author=member).count() == 5


def test_replies_count_with_comments(recap, member, stranger) -> None:
    first = comment(recap, stranger, "Wer war da?")
    url = reverse("events:comment-create", args=[recap.slug])
    client = client_for(member)
    codes = [
        client.post(url, {"body": f"Ich {n}", "parent": first.pk}).status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
)
def test_the_limit_holds_with_the_cache_down(recap, member) -> None:
    """The counters live in the database: a cache that forgets everything (Redis
    down, degraded to uncached) changes nothing."""
    assert post_comments(recap, member, 12) == {302: 5, 429: 7}


def test_the_orga_team_answering_everyone_is_not_limited(recap, organizer) -> None:
    url = reverse("events:comment-create", args=[recap.slug])
    client = client_for(organizer)
    codes = [client.post(url, {"body": f"Danke {n}!"}).status_code for n in range(8)]
    assert codes == [302] * 8


def test_the_429_page_says_which_limit_and_when_to_come_back(recap, member) -> None:
    post_comments(recap, member, 6)
    url = reverse("events:comment-create", args=[recap.slug])
    response = client_for(member).post(url, {"body": "noch einer"}, headers=EN)
    assert response.status_code == 429
    assert "You have written 5 comments in the last 10 minutes" in (
        response.content.decode()
    )
    german = client_for(member).post(url, {"body": "noch einer"})
    assert "Du hast in den letzten 10 Minuten 5 Kommentare" in german.content.decode()


def test_parallel_wishes_stop_at_5(member) -> None:
    url = reverse("impulses:wish-create")
    clients = [client_for(member) for _ in range(12)]
    results = in_parallel(
        12, lambda n: clients[n].post(url, {"title": f"Thema {n}"}, headers=EN)
    )
    assert statuses(results) == {302: 5, 429: 7}
    assert Wish.objects.filter(author=member).count() == 5
    refused = next(r for r in results if r.status_code == 429)
    assert "You have added 5 wishes" in refused.content.decode()


def test_parallel_proposals_stop_at_10(member) -> None:
    url = reverse("impulses:proposal-create")
    clients = [client_for(member) for _ in range(14)]
    data = {"title": "Reels", "abstract": "Kurz und gut.", "length": 10}
    results = in_parallel(14, lambda n: clients[n].post(url, data))
    assert statuses(results) == {302: 10, 429: 4}
    assert Proposal.objects.filter(proposer=member).count() == 10


def test_parallel_reports_stop_at_10(recap, member, stranger) -> None:
    comments = [comment(recap, stranger, f"Text {n}") for n in range(14)]
    clients = [client_for(member) for _ in range(14)]

    def report(n: int) -> Any:
        url = reverse("events:comment-report", args=[recap.slug, comments[n].pk])
        return clients[n].post(url, {"reason": "Spam"}, headers=EN)

    results = in_parallel(14, report)
    assert statuses(results) == {302: 10, 429: 4}
    assert CommentReport.objects.filter(reporter=member).count() == 10


def test_voting_and_unvoting_in_a_loop_is_stopped(member) -> None:
    """Every vote ends the page cache's generation; the limit bounds how often one
    member can do that: after 20 votes in 10 minutes nothing is written at all."""
    wish = Wish.objects.create(title="Reels", author=make_user("a@example.org"))
    client = client_for(member)
    vote = reverse("impulses:wish-vote", args=[wish.pk])
    unvote = reverse("impulses:wish-unvote", args=[wish.pk])
    codes = []
    for n in range(40):
        codes.append(client.post(unvote if n % 2 else vote, headers=EN).status_code)
    assert codes[:20] == [302] * 20
    assert set(codes[20:]) == {429}
    assert Vote.objects.filter(member=member).count() == 0  # 10 votes, 10 taken back
    # Refused requests write nothing, so they cannot end a cache generation.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.post(vote).status_code == 429
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
        and "usagecounter" not in q["sql"]
        and "django_session" not in q["sql"]
    ]
    assert writes == []


def test_parallel_votes_stop_at_20(member) -> None:
    author = make_user("a@example.org")
    wishes = [Wish.objects.create(title=f"W{n}", author=author) for n in range(24)]
    clients = [client_for(member) for _ in range(24)]
    results = in_parallel(
        24,
        lambda n: clients[n].post(reverse("impulses:wish-vote", args=[wishes[n].pk])),
    )
    assert statuses(results) == {302: 20, 429: 4}
    assert Vote.objects.filter(member=member).count() == 20


def test_30_parallel_wrong_deletion_codes_spend_the_code(member) -> None:
    """Only five guesses are checked; after them the right code no longer works."""
    member.set_unusable_password()
    member.save()
    client = client_for(member)
    session = client.session
    code = deletion.issue_code(session, member)
    session.save()
    url = reverse("accounts:delete")
    wrong = "000000" if code != "000000" else "111111"
    cookie = client.cookies
    clients = [Client() for _ in range(30)]
    for other in clients:
        other.cookies = cookie

    results = in_parallel(
        30, lambda n: clients[n].post(url, {"code": wrong, "confirm": "on"})
    )
    assert statuses(results) == {200: 30}
    (counter,) = UsageCounter.objects.filter(key__startswith="deletion-code:")
    # Past the limit the code is gone from the session, so requests that read the
    # session after that count nothing: how many counted depends on timing, but
    # always more than the five that were compared.
    assert deletion.MAX_ATTEMPTS < counter.uses <= 30
    response = client.post(url, {"code": code, "confirm": "on"})
    assert response.status_code == 200
    assert User.objects.filter(pk=member.pk).exists()


def test_parallel_login_code_guesses_spend_the_code(member, mailoutbox) -> None:
    client = Client()
    client.post(reverse("account_request_login_code"), {"email": member.email})
    (message,) = mailoutbox
    code = message.subject.rsplit(" ", 1)[-1]
    url = reverse("account_confirm_login_code")
    cookie = client.cookies
    clients = [Client() for _ in range(10)]
    for other in clients:
        other.cookies = cookie
    in_parallel(10, lambda n: clients[n].post(url, {"code": "WRONG1"}))
    client.post(url, {"code": code}, headers=EN)
    assert "_auth_user_id" not in client.session
    (counter,) = UsageCounter.objects.filter(key__startswith="login-code:")
    assert counter.uses >= 10


def test_many_deletion_code_mails_are_refused(member, mailoutbox) -> None:
    member.set_unusable_password()
    member.save()
    url = reverse("accounts:delete-code")
    clients = [client_for(member) for _ in range(8)]
    in_parallel(8, lambda n: clients[n].post(url))
    assert len(mailoutbox) == 3


def test_exempt_holders_are_the_orga_team_only(member) -> None:
    member.user_permissions.add(
        Permission.objects.get(
            codename="change_wish", content_type__app_label="impulses"
        )
    )
    member = User.objects.get(pk=member.pk)
    client = client_for(member)
    url = reverse("impulses:wish-create")
    codes = [client.post(url, {"title": f"T{n}"}).status_code for n in range(7)]
    assert codes == [302] * 7


def test_counters_of_long_past_windows_are_pruned(member, recap) -> None:
    from datetime import timedelta

    from django.utils import timezone

    old = timezone.now() - timedelta(days=3)
    UsageCounter.objects.create(key="comment:999999:", uses=4, window_ends_at=old)
    post_comments(recap, member, 1)
    assert not UsageCounter.objects.filter(key="comment:999999:").exists()
    assert UsageCounter.objects.filter(key=f"comment:{member.pk}:").exists()
