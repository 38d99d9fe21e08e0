from django.urls import path

from . import views

app_name = "athletics"

urlpatterns = [
    path("athletes/", views.AthleteListView.as_view(), name="athlete_list"),
    path("athletes/<slug:slug>/", views.AthleteDetailView.as_view(), name="athlete"),
    path("athletes/<slug:slug>/vs/<slug:other>/", views.head_to_head, name="h2h"),
    path("competitions/", views.CompetitionListView.as_view(), name="competition_list"),
    path("competitions/<slug:slug>/", views.EditionDetailView.as_view(), name="edition"),
    path("medals/", views.medal_table, name="medals"),
]
