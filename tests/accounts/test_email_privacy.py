"""No page shows any part of a member's e-mail address to anyone but that member and
the Orga-Team: not as a name, a handle, a byline or a greeting.

Two newcomers join the ways newcomers do (the RSVP box on an event page, and the
sign-up form), without giving a name, with addresses nothing else on the site
contains; then they RSVP, comment and wish. Every listed page and every page linked
from them (tests/quality/pages.py) is read as a visitor and as another member, plus
the feeds and the newcomers' own profile pages.
"""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from events.models import PendingRSVP
from impulses.models import Wish
from tests.quality.pages import (
    ANONYMOUS,
    MEMBER,
    ORGANIZER,
    build_demo,
    collect_targets,
    logged_in_client,
)

pytestmark = pytest.mark.django_db

ZORRO = "zorroquix42@quixmail.example"
XYLO = "xylo.phant7@phantpost.example"
# Every part of both addresses that could leak, in any letter case.
PARTS = re.compile(r"zorro|quix|xylo|phant", re.IGNORECASE)


def join_by_rsvp(event: Any, email: str, mailoutbox: list) -> User:
    client = Client(headers={"sec-fetch-site": "same-origin"})
    client.post(reverse("events:rsvp-by-email", args=[event.slug]), {"email": email})
    code = re.search(r"[B-Z]{4}-[B-Z]{4}", mailoutbox[-1].subject).group(0)
    client.post(reverse("events:rsvp-code", args=[event.slug]), {"code": code})
    return User.objects.get(email=email)


def join_by_signup(email: str, mailoutbox: list) -> User:
    client = Client()
    client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "", "password1": "", "password2": ""},
    )
    confirm = r"http://testserver(/accounts/confirm-email/[^/\s]+/)"
    link = re.search(confirm, mailoutbox[-1].body)
    client.post(link.group(1).split("?")[0])
    return User.objects.get(email=email)


def leaks(html: str) -> list[str]:
    return [html[max(m.start() - 60, 0) : m.end() + 30] for m in PARTS.finditer(html)]


def test_no_page_shows_a_members_address_to_others(mailoutbox: list) -> None:
    cache.clear()
    demo = build_demo()
    zorro = join_by_rsvp(demo.open_event, ZORRO, mailoutbox)
    xylo = join_by_signup(XYLO, mailoutbox)
    for newcomer in (zorro, xylo):
        demo.next_event.rsvp(newcomer)
        demo.recap.add_comment(newcomer, "Ich war zum ersten Mal da. Schön war's!")
    Wish.objects.create(title="Wie fange ich mit Reels an?", author=zorro)
    PendingRSVP.objects.all().delete()  # the demo's pending one links to nothing here
    own_pages = [
        reverse("accounts:profile", kwargs={"handle": u.profile.handle})
        for u in (zorro, xylo)
    ]
    feeds = [
        reverse("events:feed"),
        reverse("events:recap-feed"),
        reverse("events:calendar-feed"),
        reverse("sitemap"),
    ]

    checked = 0
    for role in (ANONYMOUS, MEMBER):
        client = logged_in_client(demo, role)
        for target in collect_targets(demo, role, client):
            assert not leaks(target.html), (target.name, leaks(target.html))
            checked += 1
        for url in own_pages + feeds:
            response = client.get(url)
            body = response.content.decode()
            assert not leaks(body), (role, url, leaks(body))
            checked += 1
    assert checked > 60

    # The test can see a leak: the member's own account page and the Orga-Team's
    # door list do show the address, to them.
    owner = Client()
    owner.force_login(zorro)
    assert leaks(owner.get(reverse("accounts:account")).content.decode())
    orga = logged_in_client(demo, ORGANIZER)
    door = reverse("events:checkin", kwargs={"slug": demo.next_event.slug})
    assert leaks(orga.get(door).content.decode())


def test_newcomers_are_named_neutrally_until_they_choose_a_name(
    mailoutbox: list, make_event: Any
) -> None:
    cache.clear()
    event = make_event()
    zorro = join_by_rsvp(event, ZORRO, mailoutbox)
    profile = zorro.profile
    assert profile.display_name == ""
    assert profile.name.startswith("Mitglied seit ")
    assert zorro.display_name == profile.name
    assert not PARTS.search(profile.handle)
    member = Client(headers={"accept-language": "de"})
    member.force_login(zorro)
    html = member.get(event.get_absolute_url()).content.decode()
    assert "Trag deinen Namen ein" in html
