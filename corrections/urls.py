from django.urls import path
from django.views.decorators.http import require_safe

from . import feeds, views

app_name = "corrections"

urlpatterns = [
    path("news/<slug:slug>/report-error/", views.report_error, name="report_error"),
    path("corrections/", require_safe(views.CorrectionListView.as_view()), name="list"),
    # Feeds answer GET and HEAD only (as news.urls' feeds).
    path("feeds/corrections/", require_safe(feeds.CorrectionsFeed()), name="feed"),
    path("feeds/corrections/atom/", require_safe(feeds.CorrectionsAtomFeed()), name="feed_atom"),
]
