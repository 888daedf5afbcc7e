"""Votes that race: each thread has its own database connection and transaction."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from impulses.models import Vote, Wish
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def race(work: Callable[[int], bool]) -> list[bool | BaseException]:
    """Run `work(i)` in THREADS threads that all start at the same moment."""
    barrier = threading.Barrier(THREADS)
    results: list[bool | BaseException] = [False] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_one_member_voting_at_once_from_many_tabs_counts_once(member):
    wish = Wish.objects.create(title="Shitstorm: was tun?", author=member)
    voter = make_user("vera@example.org")

    results = race(lambda i: Wish.objects.get(pk=wish.pk).vote(voter))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert results.count(True) == 1
    assert Vote.objects.filter(wish=wish).count() == 1
    counted = Wish.objects.with_vote_counts().get(pk=wish.pk)
    assert counted.vote_count == 1


def test_many_members_voting_at_once_are_all_counted(member):
    wish = Wish.objects.create(title="LinkedIn oder Mastodon?", author=member)
    voters = [make_user(f"voter{i}@example.org") for i in range(THREADS)]

    results = race(lambda i: Wish.objects.get(pk=wish.pk).vote(voters[i]))

    assert results == [True] * THREADS
    assert Wish.objects.with_vote_counts().get(pk=wish.pk).vote_count == THREADS


def test_votes_and_unvotes_racing_leave_a_consistent_count(member):
    wish = Wish.objects.create(title="Redaktionsplan?", author=member)
    voters = [make_user(f"toggler{i}@example.org") for i in range(THREADS)]
    for voter in voters[::2]:
        wish.vote(voter)

    def toggle(i: int) -> bool:
        fresh = Wish.objects.get(pk=wish.pk)
        return fresh.unvote(voters[i]) if i % 2 == 0 else fresh.vote(voters[i])

    results = race(toggle)

    assert results == [True] * THREADS
    remaining = set(Vote.objects.filter(wish=wish).values_list("member", flat=True))
    assert remaining == {v.pk for v in voters[1::2]}
