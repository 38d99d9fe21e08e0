from django.urls import path
from django.views.decorators.http import require_safe

from . import feeds, views

app_name = "athletics"

urlpatterns = [
    path("athletes/", views.AthleteListView.as_view(), name="athlete_list"),
    path("athletes/<slug:slug>/", views.AthleteDetailView.as_view(), name="athlete"),
    # Feeds answer GET and HEAD only (Django's Feed view would answer PUT or DELETE with 200).
    path("athletes/<slug:slug>/feed/", require_safe(feeds.AthleteFeed()), name="athlete_feed"),
    path("athletes/<slug:slug>/feed/atom/", require_safe(feeds.AthleteAtomFeed()), name="athlete_feed_atom"),
    path("athletes/<slug:slug>/vs/<slug:other>/", views.head_to_head, name="h2h"),
    path("competitions/", views.CompetitionListView.as_view(), name="competition_list"),
    path("competitions/<slug:slug>/", views.EditionDetailView.as_view(), name="edition"),
    path("medals/", views.medal_table, name="medals"),
]
