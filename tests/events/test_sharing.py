"""Link previews, structured data, feeds, sitemap and robots.txt."""

import json
import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus
from tests.conftest import berlin

pytestmark = pytest.mark.django_db


def jsonld(html: str) -> dict:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL
    )
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def meta(html: str, prop: str) -> str:
    match = re.search(
        rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html
    )
    assert match, f"no {prop}"
    return match.group(1)


def test_event_page_has_schema_org_event(client, make_event):
    event = make_event(starts_at=berlin(2030, 5, 28, 19), motto="Reels & Stories")
    data = jsonld(client.get(event.get_absolute_url()).content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == event.title
    assert data["startDate"] == "2030-05-28T19:00:00+02:00"
    assert data["endDate"] == "2030-05-28T22:00:00+02:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["name"] == "La Sall"
    assert data["location"]["address"]["addressLocality"] == "Hannover"
    assert data["url"].endswith(event.get_absolute_url())


def test_cancelled_event_has_cancelled_status_in_json_ld(client, make_event):
    event = make_event(status=EventStatus.CANCELLED)
    data = jsonld(client.get(event.get_absolute_url()).content.decode())
    assert data["eventStatus"] == "https://schema.org/EventCancelled"


def test_json_ld_cannot_be_broken_out_of(client, make_event):
    event = make_event(title="</script><script>alert(1)</script>", motto="a & b")
    html = client.get(event.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert jsonld(html)["name"] == "</script><script>alert(1)</script>"


def test_event_page_has_title_description_and_open_graph(client, make_event):
    event = make_event(starts_at=berlin(2030, 5, 28, 19), motto="Reels & Stories")
    html = client.get(
        event.get_absolute_url(), headers={"accept-language": "de"}
    ).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert event.title in title
    assert "28. Mai 2030" in meta(html, "og:title")
    assert "Reels &amp; Stories" in meta(html, "og:description")
    assert meta(html, "og:image").startswith("http")
    assert meta(html, "og:url").endswith(event.get_absolute_url())
    assert meta(html, "twitter:card") == "summary_large_image"
    assert "La Sall" in meta(html, "description")


def test_atom_feed_lists_new_events(client, make_event):
    event = make_event(title="Frühlingsstammtisch")
    make_event(title="Entwurf", status=EventStatus.DRAFT)
    response = client.get(reverse("events:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert any("Frühlingsstammtisch" in t for t in titles)
    assert not any("Entwurf" in t for t in titles)
    assert event.get_absolute_url() in response.content.decode()


def test_sitemap_lists_published_events_only(client, make_event):
    event = make_event()
    draft = make_event(status=EventStatus.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert event.get_absolute_url() in body
    assert draft.get_absolute_url() not in body
    ElementTree.fromstring(response.content)


def test_sitemap_lists_published_recaps_only(client, make_event):
    from tests.events.recap_support import make_recap, past_event

    published = make_recap(past_event(make_event))
    draft = make_recap(
        past_event(make_event, days_ago=60), status="draft", published_at=None
    )
    body = client.get("/sitemap.xml").content.decode()
    assert published.get_absolute_url() in body
    assert draft.get_absolute_url() not in body
    # The day in Hannover: between 23:00 and 01:00 UTC it is already the next one.
    changed = timezone.localdate(published.updated_at)
    assert f"<lastmod>{changed.isoformat()}" in body


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    # Private areas stay out of search engines.
    for path in ("/accounts/", "/me/", "/orga/"):
        assert f"Disallow: {path}" in body


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200


# Adding to a calendar, subscribing, sharing: plain links, nothing loaded from them


def test_event_page_offers_web_calendars_subscription_and_the_file(client, make_event):
    event = make_event(starts_at=berlin(2030, 5, 28, 19), motto="Reels & Stories")
    html = client.get(event.get_absolute_url()).content.decode()
    menu = html[html.index('class="calendar-menu"') :]
    menu = menu[: menu.index("</details>")]
    # Summer time: 19:00 in Hannover is 17:00 UTC.
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', menu).group(1)
    query = parse_qs(urlsplit(unescape(google)).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == ["20300528T170000Z/20300528T200000Z"]
    assert query["text"] == [f"{event.title}: Reels & Stories"]
    assert query["location"] == ["La Sall, Musterstraße 1, 30171 Hannover"]
    assert query["details"][0].endswith(event.get_absolute_url())
    for host in ("outlook.live.com", "outlook.office.com"):
        outlook = re.search(rf'href="(https://{host}/[^"]+)"', menu).group(1)
        query = parse_qs(urlsplit(unescape(outlook)).query)
        assert query["startdt"] == ["2030-05-28T17:00:00Z"]
        assert query["enddt"] == ["2030-05-28T20:00:00Z"]
        assert query["rru"] == ["addevent"]
    assert reverse("events:ics", args=[event.slug]) in menu
    assert f'href="{webcal_feed()}"' in menu
    # Links only: no image, script or frame from these sites.
    assert not re.search(r'(src|srcset)="https?://(?!testserver)', html)


def test_event_page_has_a_share_link_to_itself(client, make_event, settings):
    event = make_event()
    html = client.get(event.get_absolute_url()).content.decode()
    share = re.search(r'<a class="[^"]*share-link"[^>]*>', html).group(0)
    assert f'href="{settings.SITE_URL}{event.get_absolute_url()}"' in share
    assert "data-share-title=" in share and "data-copied=" in share
    assert '<script src="/static/js/share.js" defer></script>' in html


def test_the_list_of_dates_offers_the_subscription(client, make_event):
    make_event()
    html = client.get(reverse("events:list")).content.decode()
    assert f'href="{webcal_feed()}"' in html
    google = "calendar.google.com/calendar/render?cid=" + quote(webcal_feed(), safe="")
    assert google in html


def test_past_and_cancelled_events_offer_no_calendar(client, make_event):
    cancelled = make_event(status=EventStatus.CANCELLED)
    html = client.get(cancelled.get_absolute_url()).content.decode()
    assert 'class="calendar-menu"' not in html


def test_the_series_name_is_not_shown_twice(client, make_event):
    from events.models import Series

    series = Series.objects.create(name="#SoMe Stammtisch Hannover", slug="some")
    same = make_event(series=series, title="#SoMe Stammtisch Hannover")
    other = make_event(series=series, title="Sommerfest")
    html = client.get(same.get_absolute_url()).content.decode()
    assert '<p class="eyebrow">#SoMe Stammtisch Hannover</p>' not in html
    html = client.get(other.get_absolute_url()).content.decode()
    assert '<p class="eyebrow">#SoMe Stammtisch Hannover</p>' in html


def webcal_feed() -> str:
    """The calendar subscription link: on the site's own address (SITE_URL)."""
    return "webcal://" + settings.SITE_URL.split("://", 1)[-1] + "/events/calendar.ics"
