"""A fan edits or deletes their own comment, for a while (issue 12; README, "Comments"):

- the capability: a signed, httponly cookie naming the comments this browser posted and
  when (``grant_edit()``, set on the redirect after posting), for ``COMMENTS_EDIT_MINUTES``;
- ``own_comment_controls()``: the ``{% visitor "own_comment" comment.pk %}`` hole, "Edit ·
  Delete" under a comment for the browser that holds its capability, nothing for anyone else;
- ``edit_comment()``: ``GET|POST /news/<slug>/comments/<id>/edit/``;
- ``delete_comment()``: ``POST /news/<slug>/comments/<id>/delete/``.

No id is a capability: the cookie is signed with the secret key, so a browser can name only
the comments it posted. Any other browser, or the same one after the window, gets 403 with
a message saying why, and what it sent is shown back.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.visitor import csrf_input

from . import services
from .client import client_hash
from .forms import CommentForm, validate_no_surrogates
from .models import Article, Comment

EDIT_COOKIE = "podium_own_comments"
EDIT_SALT = "news.comment.edit"
# The comments one cookie names at most (the newest): a fan posting for the whole window
# past the rate limit still fits in a cookie.
MAX_OWN_COMMENTS = 30

UPDATED_MESSAGE = "Your comment is updated."
UNCHANGED_MESSAGE = "Your comment is unchanged."
EDIT_HELD_MESSAGE = "Your edited comment is awaiting moderation: it is hidden until a moderator approves it."
DELETED_MESSAGE = "Your comment is deleted."


def edit_window():
    """How long after posting a comment may be changed; None when editing is switched off."""
    minutes = settings.COMMENTS_EDIT_MINUTES
    return datetime.timedelta(minutes=minutes) if minutes > 0 else None


def own_comments(request):
    """``{comment pk: posted at (Unix time)}`` of the comments this browser's cookie names,
    still within the window; empty when the cookie is missing, forged or malformed."""
    cached = _named_comments(request)
    window = edit_window()
    if window is None:
        return {}
    now = timezone.now().timestamp()
    return {pk: posted for pk, posted in cached.items() if posted + window.total_seconds() > now}


def _named_comments(request):
    """What the cookie names, whatever the time: read once per request (every comment's
    hole asks)."""
    named = getattr(request, "_own_comments", None)
    if named is None:
        named = request._own_comments = _read_cookie(request)
    return named


def _read_cookie(request):
    value = request.COOKIES.get(EDIT_COOKIE)
    if not value:
        return {}
    try:
        # Each entry carries its own time, checked against the window when read, so no
        # max_age here: a cookie signed at the last post also names earlier comments.
        data = signing.loads(value, salt=EDIT_SALT)
    except signing.BadSignature:
        return {}
    entries = data.get("c") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    return {
        int(pk): posted
        for pk, posted in entries.items()
        if isinstance(pk, str) and pk.isascii() and pk.isdigit() and isinstance(posted, int)
    }


def grant_edit(request, response, comment):
    """Let this browser change ``comment`` for the window: add it to the signed cookie on
    ``response`` (httponly, SameSite=Lax, Secure under HTTPS, for /news/ only, expiring with
    the window of its newest comment). Nothing when editing is off or the comment is spam."""
    window = edit_window()
    if window is None or comment.status not in services.EDITABLE_STATUSES:
        return
    entries = own_comments(request)
    entries[comment.pk] = int(comment.created_at.timestamp())
    newest = sorted(entries.items(), key=lambda entry: entry[1])[-MAX_OWN_COMMENTS:]
    response.set_cookie(
        EDIT_COOKIE,
        signing.dumps({"c": {str(pk): posted for pk, posted in newest}}, salt=EDIT_SALT),
        max_age=int(window.total_seconds()),
        path=reverse("news:article_list"),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


def own_comment_controls(request, comment_pk):
    """The Edit and Delete controls of a comment this browser may still change (the
    ``{% visitor "own_comment" comment.pk %}`` hole of each comment on the shared article
    page), declared with its cookie in ``NewsConfig.page_cache()``: visitors without it are
    not asked."""
    posted = own_comments(request).get(int(comment_pk))
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("slug") if match else None
    if posted is None or not slug:
        return ""
    kwargs = {"slug": slug, "pk": comment_pk}
    until = datetime.datetime.fromtimestamp(posted, tz=datetime.UTC) + edit_window()
    context = {
        "comment_pk": comment_pk,
        "edit_url": reverse("news:comment_edit", kwargs=kwargs),
        "delete_url": reverse("news:comment_delete", kwargs=kwargs),
        "csrf_input": csrf_input(request),
        "until": until.replace(microsecond=0),
    }
    return render_to_string("news/includes/own_comment_controls.html", context).strip()


class CommentEditForm(forms.Form):
    """The comment's new text, under the rules of the comment form (``CommentForm``): the
    same length, the same cleaning (``news.text``)."""

    body = CommentForm.base_fields["body"]
    too_long_by_field = CommentForm.too_long_by_field
    clean_body = CommentForm.clean_body
    within_max_length = CommentForm.within_max_length

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["body"]
        field.widget.attrs.pop("maxlength", None)  # as on the comment form: the server says
        field.error_messages["required"] = CommentForm.error_messages_by_field["body"]
        field.error_messages["max_length"] = self.too_long_by_field["body"]
        field.validators.append(validate_no_surrogates)


def _refusal(article, comment):
    """Why this comment can no longer be changed by anyone, or ""."""
    window = edit_window()
    if window is None:
        return "Comments cannot be edited or deleted on this site."
    if timezone.now() >= comment.created_at + window:
        minutes = settings.COMMENTS_EDIT_MINUTES
        return (
            f"A comment can be changed for {minutes} minute{pluralize(minutes)} after it is posted, "
            "and that time has passed: this one can no longer be edited or deleted."
        )
    if comment.status == Comment.Status.REMOVED:
        return "This comment has been deleted."
    if comment.status not in services.EDITABLE_STATUSES:
        return "A moderator has reviewed this comment: it can no longer be edited or deleted."
    if article.comments_closed:
        return "Comments are closed on this article: its comments can no longer be edited or deleted."
    return ""


def _refusal_for(request, article, comment):
    """Why this request may not change the comment, or "". A comment the public cannot see
    (pending, rejected, spam) is unknown (404) to every browser but the one that posted it."""
    if comment.status != Comment.Status.APPROVED and comment.pk not in _named_comments(request):
        raise Http404("No such comment.")
    refusal = _refusal(article, comment)
    if refusal or comment.pk in own_comments(request):
        return refusal
    minutes = settings.COMMENTS_EDIT_MINUTES
    return (
        "Only the browser that posted this comment can edit or delete it, for "
        f"{minutes} minute{pluralize(minutes)} after posting."
    )


def _own_comment(slug, pk):
    """The published article and its comment (not a removed one), or 404."""
    article = get_object_or_404(Article.objects.published().select_related("section"), slug=slug)
    comment = get_object_or_404(
        Comment.objects.exclude(status=Comment.Status.REMOVED), article=article, pk=pk
    )
    comment.article = article
    return article, comment


def _page(request, article, comment, *, status, form=None, refusal="", kept_body="", wait=0):
    if form is not None and form.errors:
        form.fields["body"].widget.attrs["aria-describedby"] = "edit-body-errors"
    context = {
        "article": article,
        "comment": comment,
        "form": form,
        "refusal": refusal,
        "kept_body": kept_body,
        "rate_limit_wait": wait,
        "until": comment.created_at + edit_window() if edit_window() else None,
    }
    response = render(request, "news/comment_edit.html", context, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _rate_limited(request):
    """Seconds to wait when this client changed comments too often (``COMMENTS_RATE``), else 0."""
    return ratelimit.hit(
        "comment-change", client_hash(request), ratelimit.parse_rates(settings.COMMENTS_RATE)
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def edit_comment(request, slug, pk):
    """``/news/<slug>/comments/<id>/edit/``: GET the form with the comment's text; POST
    ``body``. 303 to the comment (or to the comments, with a message, when the edit is held
    for moderation); 400 with the errors and the text kept; 403 with the text kept from
    another browser or after the window; 429 with Retry-After; 404 for an unknown comment."""
    article, comment = _own_comment(slug, pk)
    posted = request.POST.get("body", "") if request.method == "POST" else ""
    refusal = _refusal_for(request, article, comment)
    if refusal:
        return _page(request, article, comment, status=403, refusal=refusal, kept_body=posted)
    if request.method != "POST":
        form = CommentEditForm(initial={"body": comment.body}, auto_id="edit-%s")
        return _page(request, article, comment, status=200, form=form)
    form = CommentEditForm(request.POST, auto_id="edit-%s")
    if not form.is_valid():
        return _page(request, article, comment, status=400, form=form)
    if form.cleaned_data["body"] == comment.body:
        messages.info(request, UNCHANGED_MESSAGE)
        return _back_to(comment)
    wait = _rate_limited(request)
    if wait:
        return _page(request, article, comment, status=429, form=form, wait=wait)
    try:
        comment = services.comment_edit(
            comment=comment, body=form.cleaned_data["body"], client_hash=client_hash(request)
        )
    except services.CommentNotChangeable:  # a moderator decided in the meantime
        refusal = _refusal(article, Comment.objects.get(pk=comment.pk))
        return _page(request, article, comment, status=403, refusal=refusal, kept_body=posted)
    comment.article = article
    if comment.status == Comment.Status.APPROVED:
        messages.success(request, UPDATED_MESSAGE)
    else:
        messages.info(request, EDIT_HELD_MESSAGE)
    return _back_to(comment)


def _back_to(comment):
    """303 to the comment, or to the comments when it is not shown (held for moderation)."""
    if comment.status == Comment.Status.APPROVED:
        return HttpResponseRedirect(comment.get_absolute_url(), status=303)
    return HttpResponseRedirect(f"{comment.article.get_absolute_url()}#comments", status=303)


@require_POST
def delete_comment(request, slug, pk):
    """``POST /news/<slug>/comments/<id>/delete/``: 303 to the comments it was among, with a
    message; 403 from another browser or after the window; 429 with Retry-After; 404 for an
    unknown comment. Its replies stay, under "Comment removed by its author"."""
    article, comment = _own_comment(slug, pk)
    refusal = _refusal_for(request, article, comment)
    if refusal:
        return _page(request, article, comment, status=403, refusal=refusal)
    wait = _rate_limited(request)
    if wait:
        form = CommentEditForm(initial={"body": comment.body}, auto_id="edit-%s")
        return _page(request, article, comment, status=429, form=form, wait=wait)
    page = comment.thread_page_number()
    try:
        services.comment_remove(comment=comment)
    except services.CommentNotChangeable:
        refusal = _refusal(article, Comment.objects.get(pk=comment.pk))
        return _page(request, article, comment, status=403, refusal=refusal)
    messages.success(request, DELETED_MESSAGE)
    query = f"?comments={page}" if page > 1 else ""
    return HttpResponseRedirect(f"{article.get_absolute_url()}{query}#comments", status=303)
