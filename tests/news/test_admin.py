"""The newsroom admin: every page renders for a superuser and an editor within a fixed
query budget, roles can do exactly what they should, actions report what they changed."""

import io
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from athletics.models import Record
from news.models import Article, Comment
from tests.athletics.factories import (
    AthleteFactory,
    CompetitionEditionFactory,
    DisciplineFactory,
    RecordFactory,
    ResultFactory,
)

from .factories import (
    ARTICLE_INLINES,
    ArticleFactory,
    AuthorFactory,
    CommentFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def make_user(username, group=None, **extra):
    user = User.objects.create_user(username, password="x-correct-horse-9", is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(make_user("ed", "Editors"))
    return client


@pytest.fixture
def moderator_client(client):
    client.force_login(make_user("mo", "Moderators"))
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user("root", is_superuser=True))
    return client


def populate(n):
    section = SectionFactory()
    for i in range(n):
        article = ArticleFactory(section=section, tags=None)
        article.tags.add(TagFactory())
        CommentFactory(article=article)
        CommentFactory(article=article, status=Comment.Status.PENDING)
        athlete = AthleteFactory()
        ResultFactory(athlete=athlete, position=(i % 3) + 1)
    if not Record.objects.exists():
        RecordFactory()


MODELS = [
    "news/article",
    "news/section",
    "news/tag",
    "news/author",
    "news/comment",
    "athletics/athlete",
    "athletics/discipline",
    "athletics/competition",
    "athletics/competitionedition",
    "athletics/result",
    "athletics/record",
]


@pytest.mark.parametrize("who", ["superuser_client", "editor_client"])
@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_within_a_budget_that_does_not_grow(
    request, who, model, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)
    url = f"/admin/{model}/"
    populate(3)
    with django_assert_max_num_queries(15) as small:
        assert client.get(url).status_code == HTTPStatus.OK
    populate(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize("who", ["superuser_client", "editor_client"])
@pytest.mark.parametrize("model", [m for m in MODELS if m != "news/comment"])
def test_add_and_change_forms_render(request, who, model, django_assert_max_num_queries):
    client = request.getfixturevalue(who)
    populate(2)
    with django_assert_max_num_queries(30):
        assert client.get(f"/admin/{model}/add/").status_code == HTTPStatus.OK
    app_label, model_name = model.split("/")
    from django.apps import apps

    obj = apps.get_model(app_label, model_name).objects.first()
    with django_assert_max_num_queries(40):
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == HTTPStatus.OK


def test_admin_search_works_for_every_searchable_model(superuser_client):
    populate(2)
    for model in MODELS:
        assert superuser_client.get(f"/admin/{model}/", {"q": "a"}).status_code == HTTPStatus.OK


# ---------- Roles ----------


@pytest.mark.parametrize("who", ["editor_client", "moderator_client"])
def test_editors_and_moderators_get_403_on_users_and_groups(request, who):
    client = request.getfixturevalue(who)
    assert client.get("/admin/auth/user/").status_code == HTTPStatus.FORBIDDEN
    assert client.get("/admin/auth/group/").status_code == HTTPStatus.FORBIDDEN


def test_editor_can_write_and_delete_articles_and_athletes(editor_client):
    article = ArticleFactory()
    assert editor_client.get("/admin/news/article/add/").status_code == HTTPStatus.OK
    assert editor_client.get(f"/admin/news/article/{article.pk}/delete/").status_code == HTTPStatus.OK
    assert editor_client.get("/admin/athletics/athlete/add/").status_code == HTTPStatus.OK
    assert editor_client.get("/admin/athletics/record/add/").status_code == HTTPStatus.OK


def test_editor_moderates_but_cannot_delete_comments(editor_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    assert editor_client.get(f"/admin/news/comment/{comment.pk}/change/").status_code == HTTPStatus.OK
    assert editor_client.get(f"/admin/news/comment/{comment.pk}/delete/").status_code == HTTPStatus.FORBIDDEN


def test_moderator_views_articles_but_cannot_change_them(moderator_client):
    article = ArticleFactory()
    assert moderator_client.get("/admin/news/article/").status_code == HTTPStatus.OK
    assert moderator_client.get("/admin/news/article/add/").status_code == HTTPStatus.FORBIDDEN
    response = moderator_client.post(
        f"/admin/news/article/{article.pk}/change/", {"title": "Hijacked", "slug": article.slug}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    article.refresh_from_db()
    assert article.title != "Hijacked"
    assert moderator_client.get("/admin/athletics/athlete/").status_code == HTTPStatus.FORBIDDEN


def test_moderator_approves_comments(moderator_client):
    comment = CommentFactory(status=Comment.Status.PENDING)
    response = moderator_client.post(
        "/admin/news/comment/", {"action": "approve", "_selected_action": [comment.pk]}, follow=True
    )
    assert "1 comment approved." in response.text
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_groups_hold_exactly_the_listed_permissions():
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    moderators = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert moderators == {"view_article", "view_comment", "change_comment", "view_commentreport"}
    assert "delete_comment" not in editors and "change_user" not in editors
    assert not any(c.endswith(("_user", "_group", "_permission")) for c in editors)
    assert {"add_article", "publish_article"} - editors == {"publish_article"}
    assert {"change_record", "change_result", "change_competitionedition", "change_comment"} <= editors


def test_create_editor_command_makes_a_staff_editor(monkeypatch):
    monkeypatch.setenv("EDITOR_PW", "a-Long-and-unusual-passphrase-42")
    call_command("create_editor", "sam", "--password-from-env", "EDITOR_PW", stdout=io.StringIO())
    user = User.objects.get(username="sam")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Editors").exists()
    assert user.check_password("a-Long-and-unusual-passphrase-42")


def test_create_editor_refuses_a_weak_password_and_a_missing_variable(monkeypatch):
    from django.core.management.base import CommandError

    monkeypatch.setenv("EDITOR_PW", "123")
    with pytest.raises(CommandError):
        call_command("create_editor", "sam", "--password-from-env", "EDITOR_PW")
    with pytest.raises(CommandError, match="NOT_SET"):
        call_command("create_editor", "sam", "--password-from-env", "NOT_SET")
    assert not User.objects.filter(username="sam").exists()


# ---------- Article actions and audit ----------


def post_action(client, action, objects, url="/admin/news/article/"):
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objects]}, follow=True)


def test_publish_unpublish_feature_actions_report_how_many_changed(editor_client):
    drafts = [ArticleFactory(status=Article.Status.DRAFT, published_at=None) for _ in range(2)]
    live = ArticleFactory()
    response = post_action(editor_client, "publish_now", [*drafts, live])
    assert "2 articles published." in response.text
    assert Article.objects.published().count() == 3

    response = post_action(editor_client, "unpublish", [live])
    assert "1 article unpublished." in response.text
    assert Article.objects.published().count() == 2

    response = post_action(editor_client, "feature", drafts)
    assert "2 articles featured." in response.text
    response = post_action(editor_client, "unfeature", drafts)
    assert "2 articles unfeatured." in response.text
    # Every change is in the audit log: the already-live article was only unpublished.
    assert LogEntry.objects.filter(object_id=str(live.pk)).count() == 1
    assert LogEntry.objects.filter(object_id=str(drafts[0].pk)).count() == 3


def test_article_change_form_shows_comment_counts_and_who_changed_it_last(editor_client):
    article = ArticleFactory()
    CommentFactory.create_batch(2, article=article)
    CommentFactory(article=article, status=Comment.Status.PENDING)
    post_action(editor_client, "feature", [article])
    response = editor_client.get(f"/admin/news/article/{article.pk}/change/")
    assert "2 approved, 1 pending" in response.text
    assert f"article__id__exact={article.pk}" in response.text
    assert "ed, " in response.text  # last changed by the editor


def test_comment_queue_defaults_to_pending_newest_first(editor_client):
    CommentFactory(body="already fine", status=Comment.Status.APPROVED)
    CommentFactory(body="waiting one", status=Comment.Status.PENDING)
    CommentFactory(body="waiting two", status=Comment.Status.PENDING)
    response = editor_client.get("/admin/news/comment/")
    assert "already fine" not in response.text
    assert response.text.index("waiting two") < response.text.index("waiting one")
    response = editor_client.get("/admin/news/comment/", {"status__exact": "all"})
    assert "already fine" in response.text
    response = editor_client.get("/admin/news/comment/", {"status__exact": "nonsense"})
    assert response.status_code == HTTPStatus.OK


def test_comment_actions_report_counts(editor_client):
    comments = CommentFactory.create_batch(3, status=Comment.Status.PENDING)
    assert (
        "3 comments marked as spam."
        in post_action(editor_client, "mark_spam", comments, "/admin/news/comment/").text
    )
    assert (
        "2 comments rejected."
        # Spam has left the default (pending) queue: act on it from the "All" view.
        in post_action(editor_client, "reject", comments[:2], "/admin/news/comment/?status__exact=all").text
    )


# ---------- Uploads ----------


def image_file(name, fmt, size=(1600, 900)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 60, 120)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def article_form_data(**overrides):
    section = SectionFactory()
    data = {
        "title": "Kerr wins again",
        "slug": "kerr-wins-again",
        "standfirst": "A standfirst.",
        "body": "Body text.",
        "section": section.pk,
        "authors": [AuthorFactory().pk],
        "status": "published",
        "published_at_0": "2024-02-20",
        "published_at_1": "09:00:00",
        "comments_open": "on",
        "hero_alt": "A running track",
        "hero_credit": "Illustration: Podium",
        **ARTICLE_INLINES,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name,fmt", [("hero.png", "PNG"), ("hero.jpg", "JPEG")])
def test_valid_upload_is_saved_with_webp_renditions(editor_client, name, fmt, settings):
    response = editor_client.post(
        "/admin/news/article/add/", article_form_data(hero_image=image_file(name, fmt))
    )
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    article = Article.objects.get(slug="kerr-wins-again")
    assert (article.hero_width, article.hero_height) == (1600, 900)
    stem = article.hero_image.name.rsplit(".", 1)[0]
    for width in (480, 1200):
        assert (settings.MEDIA_ROOT / f"renditions/{stem}-{width}w.webp").exists()


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("hero.png", b"just some text", content_type="image/png"), "Hero image"),
        (SimpleUploadedFile("hero.png", b"", content_type="image/png"), "empty"),
    ],
)
def test_bad_uploads_are_form_errors_naming_the_field(editor_client, upload, message):
    response = editor_client.post("/admin/news/article/add/", article_form_data(hero_image=upload))
    assert response.status_code == HTTPStatus.OK
    assert message in response.text
    assert not Article.objects.exists()


def test_oversized_image_is_a_form_error(editor_client, monkeypatch):
    from news import images

    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    response = editor_client.post(
        "/admin/news/article/add/", article_form_data(hero_image=image_file("big.png", "PNG", (100, 100)))
    )
    assert response.status_code == HTTPStatus.OK
    assert "40 megapixels" in response.text
    assert not Article.objects.exists()


def test_image_without_alt_text_and_credit_is_refused(editor_client):
    data = article_form_data(hero_image=image_file("hero.png", "PNG"), hero_alt="", hero_credit="")
    response = editor_client.post("/admin/news/article/add/", data)
    assert response.status_code == HTTPStatus.OK
    assert "alt text is required" in response.text
    assert "Illustration: Podium" in response.text
    assert not Article.objects.exists()


# ---------- Results and records ----------


def test_result_mark_is_typed_in_notation_and_validated(editor_client):
    athlete, edition, discipline = AthleteFactory(), CompetitionEditionFactory(), DisciplineFactory()
    data = {
        "athlete": athlete.pk,
        "edition": edition.pk,
        "discipline": discipline.pk,
        "round": "final",
        "position": 1,
        "mark": "3:7x",
        "medal": "",
        "source": "Wire",
    }
    response = editor_client.post("/admin/athletics/result/add/", data)
    assert response.status_code == HTTPStatus.OK
    assert "is not a valid mark" in response.text

    response = editor_client.post("/admin/athletics/result/add/", {**data, "mark": "3:29.38"})
    assert response.status_code == HTTPStatus.FOUND
    result = athlete.results.get()
    assert result.mark == 20938 and result.medal == "gold"


def test_medal_contradicting_position_is_a_form_error(editor_client):
    athlete, edition, discipline = AthleteFactory(), CompetitionEditionFactory(), DisciplineFactory()
    data = {
        "athlete": athlete.pk,
        "edition": edition.pk,
        "discipline": discipline.pk,
        "round": "final",
        "position": 7,
        "mark": "3:31.00",
        "medal": "gold",
        "source": "Wire",
    }
    response = editor_client.post("/admin/athletics/result/add/", data)
    assert "does not win a medal" in response.text
    response = editor_client.post("/admin/athletics/result/add/", {**data, "round": "heat", "position": 1})
    assert "finals only" in response.text
    assert not athlete.results.exists()


def record_data(discipline, athlete, **overrides):
    data = {
        "kind": "wib",
        "discipline": discipline.pk,
        "sex": "M",
        "athlete": athlete.pk,
        "mark": "7:59.00",
        "year": 2025,
        "area": "",
        "venue": "Somewhere",
        "source": "Wire",
    }
    data.update(overrides)
    return data


def test_new_record_supersedes_the_current_one_and_keeps_the_chain(editor_client):
    current = RecordFactory()  # 8:00.67
    athlete = AthleteFactory()
    data = record_data(current.discipline, athlete)

    response = editor_client.post("/admin/athletics/record/add/", data)
    assert "There is already a current record" in response.text

    response = editor_client.post(
        "/admin/athletics/record/add/", {**data, "supersedes": current.pk, "mark": "8:01.00"}
    )
    assert "does not beat the current record 8:00.67" in response.text

    response = editor_client.post("/admin/athletics/record/add/", {**data, "supersedes": current.pk})
    assert response.status_code == HTTPStatus.FOUND
    new = Record.objects.get(athlete=athlete)
    current.refresh_from_db()
    assert new.is_current and not current.is_current
    assert current.superseded_by == new
    assert Record.objects.current().filter(discipline=current.discipline).count() == 1


@pytest.mark.parametrize("who", ["superuser_client", "editor_client"])
def test_athlete_change_form_with_results_inline_does_not_grow_with_rows(
    request, who, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)
    athlete = AthleteFactory()
    discipline = DisciplineFactory()
    for _ in range(2):
        ResultFactory(athlete=athlete, discipline=discipline)
    url = f"/admin/athletics/athlete/{athlete.pk}/change/"
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == HTTPStatus.OK
    for _ in range(20):
        ResultFactory(athlete=athlete, discipline=discipline)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == HTTPStatus.OK


# ---------- A comment stays in its thread ----------


@pytest.fixture
def thread():
    """A top-level comment with a reply on one article, and another article's comment."""
    article = ArticleFactory()
    top = CommentFactory(article=article, body="Top-level")
    reply = CommentFactory(article=article, parent=top, body="The reply")
    elsewhere = CommentFactory(body="On another story")
    return SimpleNamespace(article=article, top=top, reply=reply, elsewhere=elsewhere)


@pytest.mark.parametrize("who", ["moderator_client", "editor_client", "superuser_client"])
def test_staff_cannot_move_a_comment_to_another_article_or_parent(request, who, thread):
    client = request.getfixturevalue(who)
    url = f"/admin/news/comment/{thread.reply.pk}/change/"

    page = client.get(url)
    assert page.status_code == HTTPStatus.OK
    assert 'name="article"' not in page.text and 'name="parent"' not in page.text
    assert thread.article.title in page.text  # shown, read-only

    response = client.post(
        url,
        {
            "name": thread.reply.name,
            "email": "",
            "body": "The reply, edited",
            "status": Comment.Status.REJECTED,
            "article": thread.elsewhere.article_id,
            "parent": thread.elsewhere.pk,
        },
    )

    assert response.status_code == HTTPStatus.FOUND  # saved: the moderator's own changes
    thread.reply.refresh_from_db()
    assert (thread.reply.article_id, thread.reply.parent_id) == (thread.article.pk, thread.top.pk)
    assert (thread.reply.body, thread.reply.status) == ("The reply, edited", Comment.Status.REJECTED)
    assert not thread.elsewhere.replies.exists()
    assert list(thread.top.replies.all()) == [thread.reply]


def test_a_top_level_comment_cannot_be_made_a_reply_in_the_admin(superuser_client, thread):
    other_top = CommentFactory(article=thread.article)
    response = superuser_client.post(
        f"/admin/news/comment/{thread.top.pk}/change/",
        {"name": "x", "email": "", "body": "Top-level", "status": "approved"}
        | {"article": thread.article.pk, "parent": other_top.pk},
    )
    assert response.status_code == HTTPStatus.FOUND
    thread.top.refresh_from_db()
    assert thread.top.parent_id is None


def test_the_model_refuses_to_move_a_stored_comment(thread):
    for field, value in (
        ("article", thread.elsewhere.article),
        ("parent", thread.elsewhere),
        ("parent", None),
    ):
        comment = Comment.objects.get(pk=thread.reply.pk)
        setattr(comment, field, value)
        with pytest.raises(ValidationError, match="cannot change after it is posted"):
            comment.full_clean()
        with pytest.raises(ValueError, match="cannot change after it is posted"):
            comment.save()
    created = CommentFactory(article=thread.article)  # also one created in this process
    created.article = thread.elsewhere.article
    with pytest.raises(ValueError, match="cannot change after it is posted"):
        created.save()
    assert Comment.objects.get(pk=thread.reply.pk).parent_id == thread.top.pk
    assert Comment.objects.get(pk=created.pk).article_id == thread.article.pk


def test_other_changes_to_a_comment_still_save(thread):
    comment = Comment.objects.get(pk=thread.reply.pk)
    comment.body = "Edited"
    comment.save()
    comment.save(update_fields=["body"])
    assert Comment.objects.get(pk=comment.pk).body == "Edited"


def test_a_reply_added_in_the_admin_must_be_in_its_parent_s_thread(superuser_client, thread):
    data = {"name": "Mod", "email": "", "body": "Added here", "status": "approved"}
    assert superuser_client.get("/admin/news/comment/add/").status_code == HTTPStatus.OK

    other_story = superuser_client.post(
        "/admin/news/comment/add/", {**data, "article": thread.article.pk, "parent": thread.elsewhere.pk}
    )
    too_deep = superuser_client.post(
        "/admin/news/comment/add/", {**data, "article": thread.article.pk, "parent": thread.reply.pk}
    )

    assert other_story.status_code == too_deep.status_code == HTTPStatus.OK  # the form again
    assert "A reply must be on the same article as the comment it replies to." in other_story.text
    assert "Replies are one level deep" in too_deep.text
    assert not Comment.objects.filter(body="Added here").exists()
    response = superuser_client.post(
        "/admin/news/comment/add/", {**data, "article": thread.article.pk, "parent": thread.top.pk}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Comment.objects.get(body="Added here").parent == thread.top
