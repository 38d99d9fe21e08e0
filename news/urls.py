from django.urls import path

from . import comment_views, feeds, views

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
    path("search/", views.search, name="search"),
    path("feeds/latest/", feeds.LatestArticlesFeed(), name="feed_latest"),
    path("feeds/latest/atom/", feeds.LatestArticlesAtomFeed(), name="feed_latest_atom"),
    path("feeds/section/<slug:slug>/", feeds.SectionFeed(), name="feed_section"),
    path("feeds/section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="feed_section_atom"),
    path("privacy/", views.PageView.as_view(template_name="news/pages/privacy.html"), name="privacy"),
    path(
        "house-rules/",
        views.PageView.as_view(template_name="news/pages/house_rules.html"),
        name="house_rules",
    ),
]
