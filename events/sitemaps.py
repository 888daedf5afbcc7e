from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from events.models import Event, Recap


class EventSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Event]:
        return Event.objects.published().order_by("-starts_at")

    def lastmod(self, item: Event) -> datetime:
        return item.updated_at


class RecapSitemap(Sitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[Recap]:
        return Recap.objects.published().newest_first()

    def lastmod(self, item: Recap) -> datetime:
        return item.updated_at


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> list[str]:
        return ["events:home", "events:list", "events:archive", "events:recap-list"]

    def location(self, item: str) -> str:
        return reverse(item)
