from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from events.models import Event


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
        return str(item)

    def item_description(self, item: Event) -> str:
        return str(item.description_html) or item.summary

    def item_pubdate(self, item: Event) -> datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Event) -> datetime:
        return item.updated_at
