"""Fans' comments on the article page (issue 4; rules in the README, "Comments"):

- ``comment_section()``: the comment list, pagination, reply target and form for the
  article page's context;
- ``post_comment()``: ``POST /news/<slug>/`` (``ArticleDetailView.post`` delegates here);
- ``report_comment()``: ``POST /news/<slug>/comments/<id>/report/``;
- ``recommend_comment()``: ``POST /news/<slug>/comments/<id>/recommend/`` (again: taken back);
- ``repost_to_renamed_article()``: either post under an old slug, sent on to the current URL;
- ``csrf_failure()``: the branded page for a missing or stale CSRF token.

Everything works without JavaScript: replies are a link (``?reply=<id>#comment-form``),
reports a small form per comment, and a rejected post re-renders the page with the
fan's text kept.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_POST

from core import ratelimit
from core.templatetags.visitor import visitor

from . import comment_edits, selectors, services
from .client import client_hash
from .forms import CommentForm, ReportForm, rendered_at_token
from .models import Article, Comment, CommentReport, CommentSort

FORM_AUTO_ID = "comment-%s"
PUBLISHED_MESSAGE = "Your comment is published"
MODERATION_MESSAGE = "Your comment is awaiting moderation"
NOTIFY_MESSAGE = (
    "We will email you when someone replies. If this is the first time you asked at this address, "
    "open the link we are sending you to confirm it."
)

# The name a fan gave, remembered for their next comment on any article: a signed cookie
# (no session row, no query), readable only by the server (httponly).
COMMENTER_COOKIE = "podium_commenter"
COMMENTER_SALT = "news.comment.commenter"
COMMENTER_MAX_AGE = 365 * 24 * 60 * 60


def remembered_name(request):
    """The name remembered by the commenter cookie, or "" (missing, forged or expired)."""
    value = request.COOKIES.get(COMMENTER_COOKIE)
    if not value:
        return ""
    try:
        data = signing.loads(value, salt=COMMENTER_SALT, max_age=COMMENTER_MAX_AGE)
    except signing.BadSignature:
        return ""
    name = data.get("name") if isinstance(data, dict) else None
    return name[:80] if isinstance(name, str) else ""


def remember_name(request, response, name):
    """Set the commenter cookie on ``response``. The value is signed and base64 (a cookie
    must be ASCII; names are not), httponly, SameSite=Lax and Secure under HTTPS."""
    response.set_cookie(
        COMMENTER_COOKIE,
        signing.dumps({"name": name}, salt=COMMENTER_SALT),
        max_age=COMMENTER_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


def rendered_at_hole(request, article_pk):
    """A fresh ``rendered_at`` token for the form of article ``article_pk`` (the ``{% visitor
    "rendered_at" article.pk %}`` hole: the page is shared, its render time is not)."""
    return rendered_at_token(article_pk)


def _positive_int(raw):
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def reply_target(*, request, article, form=None):
    """The comment the fan is replying to (for "Replying to <name>" and the hidden
    ``parent``): the posted ``parent`` of a re-rendered form, else ``?reply=<id>``. One
    query, only when a reply is asked for; None when it is not an approved comment of
    this article."""
    if form is not None and form.is_bound:
        if "parent" in form.errors:
            return None
        pk = _positive_int(form.data.get("parent"))
    else:
        pk = _positive_int(request.GET.get("reply"))
    if pk is None:
        return None
    return Comment.objects.approved().filter(article=article, pk=pk).first()


def _describe_errors(form):
    """Point each invalid field at its error list (aria-describedby), keeping help text."""
    for name in form.errors:
        if name not in form.fields or form.fields[name].widget.is_hidden:
            continue
        described = [FORM_AUTO_ID % name + "-errors"]
        if form.fields[name].help_text:
            described.append(FORM_AUTO_ID % name + "_helptext")
        form.fields[name].widget.attrs["aria-describedby"] = " ".join(described)


def comment_section(*, request, article, form=None, rate_limit_wait=0):
    """The comment part of the article page's context: one page of approved comments
    (``?comments=N``), their count, and, while comments are open, the form (a new one, or
    the fan's rejected one) and the comment replied to. A new form's name is the visitor's
    remembered one, filled into a hole per response (``core.cache``)."""
    thread = selectors.comment_thread(
        article=article,
        page=selectors.comment_page_number(request.GET.get("comments")),
        sort=CommentSort.read(request.GET.get("sort")),
    )
    accepting = article.is_published and not article.comments_closed
    reply_to = None
    form_problems = []
    if accepting:
        reply_to = reply_target(request=request, article=article, form=form)
        if form is None:
            initial = {"name": visitor("commenter_name"), "parent": reply_to.pk if reply_to else None}
            form = CommentForm(article=article, auto_id=FORM_AUTO_ID, initial=initial)
        else:
            _describe_errors(form)
            # Errors of the hidden fields have no field to sit next to: shown at the top.
            form_problems = [
                *form.non_field_errors(),
                *form.errors.get("parent", []),
                *form.errors.get("rendered_at", []),
            ]
    return {
        "comments": thread.comments,
        "comment_count": thread.count,
        "comment_thread": thread,
        "comments_accepting": accepting,
        "comment_form": form,
        "comment_form_problems": form_problems,
        "comment_action": article.get_absolute_url() + thread.query,
        "reply_to": reply_to,
        "rate_limit_wait": rate_limit_wait,
        "report_reasons": CommentReport.Reason.choices,
    }


def comment_scopes(comment, created):
    """What a comment's write changes for the page cache: its article's comments, unless
    it is new and not public (a comment held for moderation or caught as spam shows nowhere)."""
    if created and comment.status != Comment.Status.APPROVED:
        return ()
    return (f"comments:{comment.article.slug}",)


def recommendation_scopes(recommendation, created):
    """What a recommendation's write changes for the page cache: its comment's count, on its
    article's comments (and their order by recommendations)."""
    return comment_scopes(recommendation.comment, False)


def remembered_name_attribute(request):
    """The remembered name, escaped for the name field's value (a ``{% visitor %}`` hole)."""
    return escape(remembered_name(request))


def _rerender(view, article, form, *, status, rate_limit_wait=0):
    # The page needs everything the article page shows; a successful post needs none of it.
    article = view.object = selectors.article_detail_queryset().get(pk=article.pk)
    context = view.get_context_data(object=article, comment_form=form, rate_limit_wait=rate_limit_wait)
    return view.render_to_response(context, status=status)


def post_comment(view, request, slug):
    """``POST /news/<slug>/``: a fan's comment. 404 for a draft, scheduled or unknown
    article; 403 (with the fan's text shown back) when comments are closed; 400 with the
    page re-rendered, errors next to the fields and the text kept; 429 likewise, with
    Retry-After, past ``COMMENTS_RATE``; else 303 to the comment (published) or to the
    comments (awaiting moderation, which is also what a caught bot is told)."""
    # Published only, whatever the user: a preview is not a place to comment.
    article = get_object_or_404(Article.objects.published().select_related("section"), slug=slug)
    view.object = article
    if article.comments_closed:
        return render(
            request,
            "news/comments_closed.html",
            {"article": article, "kept_body": request.POST.get("body", "")},
            status=403,
        )
    form = CommentForm(request.POST, article=article, auto_id=FORM_AUTO_ID)
    if not form.is_valid():
        return _rerender(view, article, form, status=400)

    client = client_hash(request)
    wait = ratelimit.hit("comment", client, ratelimit.parse_rates(settings.COMMENTS_RATE))
    if wait:
        response = _rerender(view, article, form, status=429, rate_limit_wait=wait)
        response["Retry-After"] = str(wait)
        return response

    data = form.cleaned_data
    comment = services.comment_create(
        article=article,
        name=data["name"],
        body=data["body"],
        email=data["email"],
        parent=data["parent"],
        client_hash=client,
        is_spam=form.looks_like_a_bot(),
        notify=data["notify"],
    )
    if comment.status == Comment.Status.APPROVED:
        messages.success(request, PUBLISHED_MESSAGE)
        comment.article = article
        url = comment.get_absolute_url()
    else:
        messages.info(request, MODERATION_MESSAGE)
        url = f"{article.get_absolute_url()}#comments"
    if data["notify"]:
        # The same words whether the address is new, waiting or confirmed: no one learns
        # from the form which addresses follow conversations here.
        messages.info(request, NOTIFY_MESSAGE)
    response = HttpResponseRedirect(url, status=303)
    remember_name(request, response, data["name"])
    comment_edits.grant_edit(request, response, comment)
    return response


def on_approved_comment(url_name):
    """For a reader's POST on one shown comment, ``/news/<slug>/comments/<id>/<action>/``
    (``url_name``): the view is called with the published article and its approved comment;
    404 for anything else, but a 308 to the same action at the current URL for an old slug of
    a renamed article (``repost_to_renamed_article``)."""

    def decorator(view):
        @functools.wraps(view)
        @require_POST
        def wrapper(request, slug, pk):
            try:
                article = get_object_or_404(Article.objects.published(), slug=slug)
            except Http404:
                response = repost_to_renamed_article(
                    request, slug, url=lambda moved: reverse(url_name, kwargs={"slug": moved.slug, "pk": pk})
                )
                if response is None:
                    raise
                return response
            comments = Comment.objects.approved().select_related("parent")
            comment = get_object_or_404(comments, article=article, pk=pk)
            comment.article = article
            return view(request, article, comment)

        return wrapper

    return decorator


@on_approved_comment("news:comment_report")
def report_comment(request, article, comment):
    """``POST /news/<slug>/comments/<id>/report/``: a reader reports an approved comment.
    One report per client per comment (a second is thanked, not stored); reports hide the
    comment only past ``COMMENTS_HIDE_AFTER_REPORTS``. 303 back to the comment with a
    message; 400 without a valid reason; 429 with Retry-After, the form again with the
    reason kept, past ``COMMENTS_REPORT_RATE`` reports from one client. Past
    ``COMMENTS_REPORTS_PER_COMMENT`` stored reports of the comment a report is thanked as
    usual and not stored (``services.comment_report``)."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        context = {"article": article, "comment": comment, "form": form}
        return render(request, "news/comment_report.html", context, status=400)
    client = client_hash(request)
    wait = ratelimit.hit("report", client, ratelimit.parse_rates(settings.COMMENTS_REPORT_RATE))
    if wait:
        context = {"article": article, "comment": comment, "form": form, "rate_limit_wait": wait}
        response = render(request, "news/comment_report.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    outcome = services.comment_report(comment=comment, reason=form.cleaned_data["reason"], client_hash=client)
    if outcome is services.ReportOutcome.ALREADY_REPORTED:
        messages.info(request, "You have already reported this comment: a moderator will look at it.")
    else:
        messages.success(request, "Thank you: a moderator will look at this comment.")
    return HttpResponseRedirect(comment.get_absolute_url(), status=303)


RECOMMENDED_MESSAGE = "You recommended the comment by {name}. Press Recommend again to take it back."
TAKEN_BACK_MESSAGE = "Your recommendation of the comment by {name} is taken back."


@on_approved_comment("news:comment_recommend")
def recommend_comment(request, article, comment):
    """``POST /news/<slug>/comments/<id>/recommend/``: a reader recommends an approved
    comment, once per client; a second press takes it back (``services.comment_recommend``).
    303 back to the comment, on the page of the order the reader was reading (the form's
    ``sort``), with a message saying which happened; 403 when the article's comments are
    closed; 429 with Retry-After past ``COMMENTS_RECOMMEND_RATE`` presses from one client."""
    sort = CommentSort.read(request.POST.get("sort"))
    context = {"article": article, "comment": comment, "sort": sort}
    if article.comments_closed:
        return render(request, "news/comment_recommend.html", {**context, "closed": True}, status=403)
    client = client_hash(request)
    wait = ratelimit.hit("recommend", client, ratelimit.parse_rates(settings.COMMENTS_RECOMMEND_RATE))
    if wait:
        response = render(
            request, "news/comment_recommend.html", {**context, "rate_limit_wait": wait}, status=429
        )
        response["Retry-After"] = str(wait)
        return response
    recommended = services.comment_recommend(comment=comment, client_hash=client)
    message = RECOMMENDED_MESSAGE if recommended else TAKEN_BACK_MESSAGE
    messages.success(request, message.format(name=comment.name))
    # Where it is now: ?sort=recommended moves a comment as its count changes.
    comment.recommend_count = Comment.objects.values_list("recommend_count", flat=True).get(pk=comment.pk)
    return HttpResponseRedirect(comment.thread_url(sort=sort), status=303)


class HttpResponsePermanentRedirectKeepingBody(HttpResponsePermanentRedirect):
    """308 Permanent Redirect: a 301 that the browser follows with the same method and body."""

    status_code = 308


def repost_to_renamed_article(request, slug, *, url):
    """For a POST under ``slug``, the old slug of a renamed, published article: a 308 to
    ``url(article)``, the same thing at the article's current URL (query string kept); else
    None, and the caller's 404 stands (an unknown slug, or an article the public cannot see).

    Why a 308: an editor may rename an article while a fan is typing. After a 301 or 302
    browsers repeat a POST as a GET without its body, so the text would be lost; after a
    307 or 308 they send the same request again, body and all, and its CSRF token and
    signed render time are as valid at the new URL (same site) as at the old. Permanent,
    like the GET's 301: the address moved for good. Not accepted in place, because the post
    is then handled where every other post is, and the fan ends on the current URL (a
    rejected post re-renders the page there, with its form posting there)."""
    article = selectors.renamed_article(old_slug=slug)
    if article is None or not article.is_published:
        return None
    location = url(article)
    if request.META.get("QUERY_STRING"):
        location += "?" + request.META["QUERY_STRING"]
    return HttpResponsePermanentRedirectKeepingBody(location)


def csrf_failure(request, reason=""):
    """The branded 403 for a missing or wrong CSRF token (``CSRF_FAILURE_VIEW``): the page
    was open too long or cookies are blocked. A comment's text is shown back, never lost."""
    kept_body = ""
    if request.method == "POST":
        try:
            kept_body = request.POST.get("body", "")
        except RequestDataTooBig:
            kept_body = ""
    return render(request, "403_csrf.html", {"kept_body": kept_body}, status=403)
