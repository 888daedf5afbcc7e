from django.urls import path

from events import views
from events.feeds import NewEventsFeed

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("events/", views.event_list, name="list"),
    path("events/past/", views.event_archive, name="archive"),
    path("events/calendar.ics", views.calendar_feed, name="calendar-feed"),
    path("events/feed/", NewEventsFeed(), name="feed"),
    path("events/<slug:slug>/", views.event_detail, name="detail"),
    path("events/<slug:slug>/calendar.ics", views.event_ics, name="ics"),
]
