from django.urls import path

from impulses import views

app_name = "impulses"

urlpatterns = [
    path("", views.impulse_index, name="index"),
    path("wishes/", views.wish_list, name="wish-list"),
    path("wishes/new/", views.wish_create, name="wish-create"),
    path(
        "wishes/from-my-challenge/",
        views.wish_from_challenge,
        name="wish-from-challenge",
    ),
    path("wishes/<int:pk>/", views.wish_detail, name="wish-detail"),
    path("wishes/<int:pk>/vote/", views.wish_vote, name="wish-vote"),
    path("wishes/<int:pk>/unvote/", views.wish_unvote, name="wish-unvote"),
    path("proposals/new/", views.proposal_create, name="proposal-create"),
    path("proposals/mine/", views.proposal_mine, name="proposal-mine"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal-edit"),
    path(
        "proposals/<int:pk>/withdraw/",
        views.proposal_withdraw,
        name="proposal-withdraw",
    ),
]
