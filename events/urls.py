from django.urls import path

from events.views import pages
from events.feeds import NewEventsFeed

app_name = "events"

urlpatterns = [
    path("", pages.home, name="home"),
    path("events/", pages.event_list, name="list"),
    path("events/past/", pages.event_archive, name="archive"),
    path("events/calendar.ics", pages.calendar_feed, name="calendar-feed"),
    path("events/feed/", NewEventsFeed(), name="feed"),
    path("events/<slug:slug>/", pages.event_detail, name="detail"),
    path("events/<slug:slug>/calendar.ics", pages.event_ics, name="ics"),
]
