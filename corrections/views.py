"""The readers' side of corrections: ``POST /news/<slug>/report-error/`` and
``/corrections/`` (its feeds are in ``feeds.py``)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from core import ratelimit
from core.cache import NEWS, cache_page
from news.client import client_hash
from news.comment_views import repost_to_renamed_article
from news.models import Article

from . import services
from .forms import ErrorReportForm, report_token
from .models import Correction

THANKS_MESSAGE = "Thank you for your report: an editor will check it."
ANCHOR = "#report-error"


def report_token_hole(request, article_pk):
    """A fresh ``form_token`` for the report form of article ``article_pk`` (the
    ``{% visitor "report_token" article.pk %}`` hole: the article page is shared)."""
    return report_token(article_pk)


def _refused(request, article, form, *, status, rate_limit_wait=0):
    """The form again, on a page of its own, with the reader's text and a message."""
    context = {
        "article": article,
        "form": form,
        "rate_limit_wait": rate_limit_wait,
        "fresh_token": report_token(article.pk),
    }
    response = render(request, "corrections/report_error.html", context, status=status)
    if rate_limit_wait:
        response["Retry-After"] = str(rate_limit_wait)
    return response


@require_POST
def report_error(request, slug):
    """``POST /news/<slug>/report-error/``: a reader's report of a factual error. 303 back to
    the article with a thank-you (PRG); 400 with the form, the text kept and what to fix;
    429 with Retry-After past ``CORRECTIONS_REPORT_RATE``; 404 for an article the public
    cannot see (308 from a renamed article's old slug). A bot (honeypot, too fast) is
    thanked like anyone and nothing is stored."""
    try:
        article = get_object_or_404(Article.objects.published(), slug=slug)
    except Http404:
        response = repost_to_renamed_article(
            request, slug, url=lambda moved: reverse("corrections:report_error", kwargs={"slug": moved.slug})
        )
        if response is None:
            raise
        return response
    form = ErrorReportForm(request.POST, article=article)
    if not form.is_valid():
        return _refused(request, article, form, status=400)
    client = client_hash(request)
    wait = ratelimit.hit("error-report", client, ratelimit.parse_rates(settings.CORRECTIONS_REPORT_RATE))
    if wait:
        return _refused(request, article, form, status=429, rate_limit_wait=wait)
    if not form.looks_like_a_bot():
        data = form.cleaned_data
        services.error_report_create(
            article=article,
            description=data["description"],
            source_url=data["source_url"],
            email=data["email"],
            client_hash=client,
        )
    messages.success(request, THANKS_MESSAGE)
    return HttpResponseRedirect(article.get_absolute_url() + ANCHOR, status=303)


@method_decorator(cache_page(NEWS), name="dispatch")
class CorrectionListView(ListView):
    """/corrections/: every published correction, newest first, 20 a page (a ``?page=`` that
    names no page is a 404, as on the news lists)."""

    paginate_by = 20
    context_object_name = "corrections"
    template_name = "corrections/correction_list.html"

    def get_queryset(self):
        return Correction.objects.for_listing()
