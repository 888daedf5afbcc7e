import re
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from events.models import Event, Recap, RecapPhoto
from somehub.lib.text import one_line

# Characters XML 1.0 cannot carry (text pasted from a word processor brings vertical
# tabs and form feeds): left out, or the whole feed would fail to render.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _XML_INVALID.sub("", text)


class NewEventsFeed(Feed):
    """An Atom feed of newly published Stammtisch dates."""

    feed_type = Atom1Feed
    title = settings.SITE_NAME
    subtitle = _("New dates of the #SoMe Stammtisch Hannover")
    link = "/events/"

    def items(self) -> QuerySet[Event]:
        return (
            Event.objects.published()
            .with_venue()
            .order_by("-published_at", "-created_at")[:20]
        )

    def item_title(self, item: Event) -> str:
        return xml_safe(one_line(str(item)))

    def item_description(self, item: Event) -> str:
        # The summary is HTML (type="html"): plain text such as a title goes in
        # escaped, or an organizer's "<img onerror=...>" would run in feed readers.
        return xml_safe(str(item.description_html) or escape(item.summary))

    def item_pubdate(self, item: Event) -> datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Event) -> datetime:
        return item.updated_at


class RecapsFeed(Feed):
    """An Atom feed of published recaps, newest first."""

    feed_type = Atom1Feed
    title = _("Recaps of the #SoMe Stammtisch Hannover")
    subtitle = _("What happened at the Stammtisch, written up by the Orga-Team")
    link = "/recaps/"

    def items(self) -> QuerySet[Recap]:
        recaps = (
            Recap.objects.published()
            .with_event()
            .prefetch_related(
                Prefetch("photos", queryset=RecapPhoto.objects.approved())
            )
        )
        return recaps.newest_first()[:20]

    def item_title(self, item: Recap) -> str:
        return xml_safe(one_line(item.title))

    def item_description(self, item: Recap) -> str:
        lead = f"<p>{escape(item.lead)}</p>" if item.lead else ""
        return xml_safe(lead + str(item.body_html))

    def item_author_name(self, item: Recap) -> str | None:
        return xml_safe(one_line(item.author_name)) or None

    def item_pubdate(self, item: Recap) -> datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Recap) -> datetime:
        return item.updated_at
