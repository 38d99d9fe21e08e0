from django.urls import path
from django.views.decorators.http import require_safe

from . import comment_edits, comment_views, feeds, views

app_name = "news"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/", views.ArticleListView.as_view(), name="article_list"),
    path("news/section/<slug:slug>/", views.SectionArticleListView.as_view(), name="section"),
    path("news/tag/<slug:slug>/", views.TagArticleListView.as_view(), name="tag"),
    path("news/author/<slug:slug>/", views.AuthorArticleListView.as_view(), name="author"),
    path("news/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
    path(
        "news/<slug:slug>/comments/<int:pk>/report/",
        comment_views.report_comment,
        name="comment_report",
    ),
    path(
        "news/<slug:slug>/comments/<int:pk>/recommend/",
        comment_views.recommend_comment,
        name="comment_recommend",
    ),
    path("news/<slug:slug>/comments/<int:pk>/edit/", comment_edits.edit_comment, name="comment_edit"),
    path("news/<slug:slug>/comments/<int:pk>/delete/", comment_edits.delete_comment, name="comment_delete"),
    path("search/", views.search, name="search"),
    # Feeds answer GET and HEAD only (Django's Feed view would answer PUT or DELETE with 200).
    path("feeds/latest/", require_safe(feeds.LatestArticlesFeed()), name="feed_latest"),
    path("feeds/latest/atom/", require_safe(feeds.LatestArticlesAtomFeed()), name="feed_latest_atom"),
    path("feeds/section/<slug:slug>/", require_safe(feeds.SectionFeed()), name="feed_section"),
    path("feeds/section/<slug:slug>/atom/", require_safe(feeds.SectionAtomFeed()), name="feed_section_atom"),
    path("privacy/", views.PageView.as_view(template_name="news/pages/privacy.html"), name="privacy"),
    path(
        "house-rules/",
        views.PageView.as_view(template_name="news/pages/house_rules.html"),
        name="house_rules",
    ),
]
