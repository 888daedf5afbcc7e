from django.urls import path

from events.feeds import NewEventsFeed, RecapsFeed
from events.views import contact, mailings, orga, pages, recaps, rsvp, rsvp_by_email

app_name = "events"

urlpatterns = [
    path("", pages.home, name="home"),
    path("events/", pages.event_list, name="list"),
    path("events/past/", pages.event_archive, name="archive"),
    path("events/calendar.ics", pages.calendar_feed, name="calendar-feed"),
    path("events/feed/", NewEventsFeed(), name="feed"),
    # RSVPs, "my events" and the personal calendar
    path("events/feed/<str:token>.ics", rsvp.personal_feed, name="personal-feed"),
    path("events/<slug:slug>/rsvp/", rsvp.rsvp, name="rsvp"),
    # "I'm coming" without being logged in: address, then code or link.
    path(
        "events/<slug:slug>/rsvp/email/",
        rsvp_by_email.rsvp_by_email,
        name="rsvp-by-email",
    ),
    path("events/<slug:slug>/rsvp/code/", rsvp_by_email.rsvp_code, name="rsvp-code"),
    path(
        "events/<slug:slug>/rsvp/link/<str:token>/",
        rsvp_by_email.rsvp_link,
        name="rsvp-link",
    ),
    path(
        "events/<slug:slug>/free-my-seat/<str:token>/",
        rsvp.free_seat,
        name="free-seat",
    ),
    path("me/events/", rsvp.my_events, name="my-events"),
    path("me/events/calendar-link/", rsvp.calendar_link, name="calendar-link"),
    path("events/<slug:slug>/", pages.event_detail, name="detail"),
    path("events/<slug:slug>/calendar.ics", pages.event_ics, name="ics"),
    # Visitors write to the Orga-Team
    path("contact/", contact.contact, name="contact"),
    path("contact/thanks/", contact.contact_thanks, name="contact-thanks"),
    # The Orga-Team's pages outside the admin
    path("orga/", orga.dashboard, name="orga-dashboard"),
    path("orga/checkin/", orga.checkin_tonight, name="checkin-tonight"),
    path("orga/checkin/<slug:slug>/", orga.checkin, name="checkin"),
    path(
        "orga/checkin/<slug:slug>/walk-in/",
        orga.checkin_walk_in,
        name="checkin-walk-in",
    ),
    path(
        "orga/checkin/<slug:slug>/code/",
        orga.checkin_code,
        name="checkin-code",
    ),
    path(
        "orga/checkin/<slug:slug>/<int:pk>/",
        orga.checkin_toggle,
        name="checkin-toggle",
    ),
    path(
        "orga/events/<slug:slug>/waiting/",
        orga.waiting_list,
        name="orga-waiting",
    ),
    path(
        "orga/events/<slug:slug>/waiting/<int:pk>/move-up/",
        orga.move_up,
        name="orga-move-up",
    ),
    path(
        "orga/events/<slug:slug>/message/",
        orga.write_to_attendees,
        name="orga-message",
    ),
    path("orga/messages/", mailings.mailing_list, name="mailing-list"),
    path("orga/messages/new/", mailings.mailing_new, name="mailing-new"),
    path(
        "orga/messages/<uuid:key>/",
        mailings.mailing_compose,
        name="mailing-compose",
    ),
    path(
        "orga/events/<slug:slug>/attendees.csv",
        orga.attendees_csv,
        name="orga-attendees-csv",
    ),
    # Recaps and their comments
    path("me/comments/claim/", recaps.claim_comments, name="claim-comments"),
    path("recaps/", recaps.recap_list, name="recap-list"),
    path("recaps/feed/", RecapsFeed(), name="recap-feed"),
    path("recaps/<slug:slug>/", recaps.recap_detail, name="recap-detail"),
    path("recaps/<slug:slug>/comments/", recaps.comment_create, name="comment-create"),
    path("recaps/<slug:slug>/photos/", recaps.photo_add, name="recap-photo-add"),
    path(
        "recaps/<slug:slug>/photos/<int:pk>/withdraw/",
        recaps.photo_withdraw,
        name="recap-photo-withdraw",
    ),
    path(
        "recaps/<slug:slug>/comments/close/",
        recaps.recap_close_comments,
        name="recap-close-comments",
    ),
    path(
        "recaps/<slug:slug>/comments/open/",
        recaps.recap_open_comments,
        name="recap-open-comments",
    ),
    path(
        "recaps/<slug:slug>/comments/<int:pk>/edit/",
        recaps.comment_edit,
        name="comment-edit",
    ),
    path(
        "recaps/<slug:slug>/comments/<int:pk>/delete/",
        recaps.comment_delete,
        name="comment-delete",
    ),
    path(
        "recaps/<slug:slug>/comments/<int:pk>/hide/",
        recaps.comment_hide,
        name="comment-hide",
    ),
    path(
        "recaps/<slug:slug>/comments/<int:pk>/unhide/",
        recaps.comment_unhide,
        name="comment-unhide",
    ),
    path(
        "recaps/<slug:slug>/comments/<int:pk>/report/",
        recaps.comment_report,
        name="comment-report",
    ),
]
