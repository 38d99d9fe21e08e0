"""The comment moderation policy (issue 4, documented in the README under "Comments"):
which comments wait for a moderator, and how fans' text is shown safely.

Held as pending (a moderator decides): more than ``MAX_LINKS`` links, a word from
``COMMENTS_BLOCKLIST``, or the same body the same client posted in the last
``REPEAT_WINDOW``. With ``COMMENTS_MODERATION=pre`` every comment is held.

Trust from history (Coral's model, without accounts; ``commenter_standing``): over the last
``COMMENTS_TRUST_DAYS``, a client (keyed hash) or a confirmed email whose comments were
rejected (or marked spam) more often than approved is held whatever it writes; a client with
``COMMENTS_TRUSTED_AFTER`` approved comments, each at least ``TRUST_MIN_AGE`` old (a day for
moderators and readers to object, so trust cannot be earned in one sitting), and no
rejection (of the client or of its confirmed email) skips the links and blocklist holds; the
repeat hold, ``pre`` and readers' reports still apply.
Spam (never shown; the poster is told it awaits moderation) is decided by the form:
``CommentForm.looks_like_a_bot()``.
"""

import datetime
import re

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from notifications.models import Subscriber

from .models import Comment

MAX_LINKS = 2
REPEAT_WINDOW = datetime.timedelta(minutes=10)
TRUST_MIN_AGE = datetime.timedelta(days=1)
REJECTED_STATUSES = (Comment.Status.REJECTED, Comment.Status.SPAM)

# What a fan's text counts as a link, and what is turned into one when shown: a web
# address with its scheme, or starting with "www.". Anything else stays plain text.
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address it follows.
_TRAILING = ".,;:!?'\"”’»"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
LINK_REL = "nofollow ugc noopener"


def count_links(text):
    """How many web addresses ``text`` contains."""
    return len(URL_RE.findall(text or ""))


def blocklisted_words(text, blocklist=None):
    """The words (or phrases) of the blocklist found in ``text``: case-insensitive, whole
    words only ("ass" does not match "class")."""
    words = settings.COMMENTS_BLOCKLIST if blocklist is None else blocklist
    words = [word for word in words if word]
    if not words or not text:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(word) for word in words) + r")(?!\w)", re.IGNORECASE
    )
    return sorted({match.casefold() for match in pattern.findall(text)})


def is_repeat(*, body, client_hash, now=None):
    """Whether the same client posted the same body (on any article) within REPEAT_WINDOW."""
    if not client_hash:
        return False
    now = now or timezone.now()
    return Comment.objects.filter(
        ip_hash=client_hash, body=body, created_at__gte=now - REPEAT_WINDOW
    ).exists()


class Standing:
    """What a commenter's recent history says (``commenter_standing``)."""

    DISTRUSTED = "distrusted"
    NEUTRAL = "neutral"
    TRUSTED = "trusted"


def _history(comments, *, now):
    """(approved, rejected) among ``comments`` in the trust window; an approved comment
    counts once it is ``TRUST_MIN_AGE`` old."""
    window = datetime.timedelta(days=settings.COMMENTS_TRUST_DAYS)
    counts = comments.filter(created_at__gte=now - window).aggregate(
        approved=Count("pk", filter=Q(status=Comment.Status.APPROVED, created_at__lte=now - TRUST_MIN_AGE)),
        rejected=Count("pk", filter=Q(status__in=REJECTED_STATUSES)),
    )
    return counts["approved"], counts["rejected"]


def commenter_standing(*, client_hash, email="", now=None):
    """Distrusted, neutral or trusted, from the recent comments of this client and, when it
    is a confirmed notification address, of this email (module docstring). An email is
    typed, not proven: anyone may type a confirmed address, so its history can hold a
    comment back but never lets one skip a hold on its own."""
    if not settings.COMMENTS_TRUST_DAYS:
        return Standing.NEUTRAL
    now = now or timezone.now()
    histories = []
    if client_hash:
        histories.append(_history(Comment.objects.filter(ip_hash=client_hash), now=now))
    email = (email or "").strip().lower()
    if email and Subscriber.objects.filter(email=email, confirmed_at__isnull=False).exists():
        histories.append(_history(Comment.objects.filter(email=email), now=now))
    if any(rejected > approved for approved, rejected in histories):
        return Standing.DISTRUSTED
    trusted_after = settings.COMMENTS_TRUSTED_AFTER
    if (
        client_hash
        and trusted_after
        and histories[0][0] >= trusted_after
        and not any(rejected for _, rejected in histories)
    ):
        return Standing.TRUSTED
    return Standing.NEUTRAL


def hold_reasons(*, name, body, client_hash, email="", now=None):
    """Why a comment must wait for a moderator under ``COMMENTS_MODERATION=auto``; empty
    when it may be published at once."""
    reasons = []
    standing = commenter_standing(client_hash=client_hash, email=email, now=now)
    if standing == Standing.DISTRUSTED:
        reasons.append("recent comments rejected more often than approved")
    if standing != Standing.TRUSTED:
        if count_links(body) > MAX_LINKS:
            reasons.append(f"more than {MAX_LINKS} links")
        if blocklisted_words(f"{name}\n{body}"):
            reasons.append("blocklisted words")
    if is_repeat(body=body, client_hash=client_hash, now=now):
        reasons.append("repeated within 10 minutes")
    return reasons


def _split_trailing(url):
    """``url`` without the sentence punctuation (and unbalanced closing brackets) that
    follows it, and that punctuation."""
    trail = ""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])):
            trail = last + trail
            url = url[:-1]
        else:
            break
    return url, trail


def render_comment_text(text):
    """A fan's text as HTML: everything escaped, line breaks as <br>, web addresses as
    ``rel="nofollow ugc noopener"`` links. Never trusts a character of the input."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    out, cursor = [], 0
    for match in URL_RE.finditer(text):
        url, trail = _split_trailing(match.group())
        if not url or url.lower() in {"http://", "https://", "www."}:
            continue
        out.append(escape(text[cursor : match.start()]))
        href = url if url.lower().startswith(("http://", "https://")) else f"https://{url}"
        out.append(f'<a href="{escape(href)}" rel="{LINK_REL}">{escape(url)}</a>{escape(trail)}')
        cursor = match.end()
    out.append(escape(text[cursor:]))
    # Safe: every piece of the fan's text went through escape() above; the only markup
    # added is our own <a> (with an escaped, http(s)-only href) and <br>.
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308
