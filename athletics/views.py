"""Reader-facing athletics pages: athletes, profiles, head-to-heads, championships and the
medal table. Each page runs a fixed number of queries (pinned in tests/athletics/test_views.py)."""

import contextlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from core import ratelimit
from core.cache import ATHLETICS, NEWS, cache_page
from core.origin import same_origin
from core.structured_data import breadcrumb_list
from news.client import client_hash
from notifications import services as notifications
from notifications.forms import FollowForm

from . import charts, selectors
from .models import Athlete, CompetitionEdition, Country, Discipline, Result


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


def _page_number(value, num_pages):
    """Return a valid page number for the ``?page=`` value: anything that is not a whole
    number (or is below 1) means page 1, a number past the end means the last page."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), max(num_pages, 1))


class AthleteListView(ListView):
    """Athletes by name, filterable by ``?country=GBR`` and ``?discipline=1500-m``, 48 a page.

    Unknown or malformed filter values are ignored (the full list is shown). Bad ``?page=``
    values never 404 or 500: a value that is not a number shows page 1 and a number past
    the end shows the last page (see ``_page_number``).
    """

    template_name = "athletics/athlete_list.html"
    context_object_name = "athletes"
    paginate_by = 48

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.countries = list(
            Country.objects.filter(Exists(Athlete.objects.filter(country=OuterRef("pk")))).order_by("name")
        )
        athlete_has_discipline = Athlete.disciplines.through.objects.filter(discipline=OuterRef("pk"))
        self.disciplines = list(
            Discipline.objects.filter(
                Exists(athlete_has_discipline) | Exists(Result.objects.filter(discipline=OuterRef("pk")))
            ).order_by("sort_order", "name")
        )
        code = str(request.GET.get("country", "")).strip().upper()
        slug = str(request.GET.get("discipline", "")).strip().lower()
        self.country = next((c for c in self.countries if c.code == code), None)
        self.discipline = next((d for d in self.disciplines if d.slug == slug), None)

    def get_queryset(self):
        athletes = Athlete.objects.for_listing().order_by("name", "pk")
        if self.country:
            athletes = athletes.filter(country=self.country)
        if self.discipline:
            # Events an editor listed on the athlete, or any event with a result on record.
            listed = Athlete.disciplines.through.objects.filter(
                athlete=OuterRef("pk"), discipline=self.discipline
            )
            raced = Result.objects.filter(athlete=OuterRef("pk"), discipline=self.discipline)
            athletes = athletes.filter(Exists(listed) | Exists(raced))
        return athletes

    def paginate_queryset(self, queryset, page_size):
        paginator = Paginator(queryset, page_size)
        page = paginator.page(_page_number(self.request.GET.get("page"), paginator.num_pages))
        # A list, so the medal counts and the template share one evaluation.
        page.object_list = list(page.object_list)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        filters = {}
        if self.country:
            filters["country"] = self.country.code
        if self.discipline:
            filters["discipline"] = self.discipline.slug
        canonical_query = dict(filters)
        if page.number > 1:
            canonical_query["page"] = page.number
        query = f"?{urlencode(canonical_query)}" if canonical_query else ""
        context.update(
            countries=self.countries,
            disciplines=self.disciplines,
            selected_country=self.country,
            selected_discipline=self.discipline,
            is_filtered=bool(filters),
            filter_query=urlencode(filters),
            medal_counts=selectors.medal_counts_for(athletes=page.object_list),
            canonical_url=_absolute(f"{self.request.path}{query}"),
        )
        return context


FOLLOW_MESSAGE = (
    "Almost done: we are emailing {email} a link to confirm following {name}. Nothing is sent about "
    "{name} until you open it (it works for 48 hours)."
)
FOREIGN_POST_MESSAGE = (
    "This form was not sent from {site}'s own page, so nothing was done. Please use the form on this page."
)


class AthleteDetailView(DetailView):
    """An athlete's profile: bio, facts, progression charts and season's bests, medal
    history, best championship marks on record, records held and lost, all results, rivals,
    related articles, numbered sources and the Follow block (feeds, email alerts)."""

    template_name = "athletics/athlete_detail.html"
    context_object_name = "athlete"

    @classmethod
    def as_view(cls, **initkwargs):
        """The view function, cached (core.cache: the profile lists articles too) and exempt
        from the CSRF check: the follow form checks where its POST came from (core.origin)
        instead of a token, so the profile is the same bytes for every visitor, with no cookie
        to set on every view (a token and its cookie cost more than the rest of a cached
        answer: README, "Follow an athlete").

        Decorated here, once: ``method_decorator`` on ``dispatch`` applies its decorators
        again on every request (csrf_exempt's ~9 µs, cache_page's ~7), and a hit now skips
        making the view's instance too: ~20-30 µs of a ~150 µs cached answer."""
        return csrf_exempt(cache_page(ATHLETICS, NEWS)(super().as_view(**initkwargs)))

    def get_queryset(self):
        return Athlete.objects.for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        athlete = self.object
        profile = selectors.athlete_profile(athlete=athlete)
        url = _absolute(athlete.get_absolute_url())
        context.update(
            profile=profile,
            medal_counts=profile.medal_counts,
            progressions=charts.progressions(results=profile.results),
            follow_form=kwargs.get("follow_form") or FollowForm(),
            canonical_url=url,
            meta_description=self.describe(athlete, profile.medal_counts),
            person_ld=self.person(athlete, url),
            breadcrumbs=breadcrumb_list(
                ("Athletes", reverse("athletics:athlete_list")), (athlete.name, athlete.get_absolute_url())
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        """``POST /athletes/<slug>/``: "Follow by email". 403 with the page and the address
        kept when another site's page sent it (``core.origin``). 303 back to the profile with a
        message (the same words whether the address is new, waiting or already following, so
        the form tells no one who follows whom); 400 with the page and the address kept when
        it is not one; 429 with Retry-After past FOLLOW_RATE posts from one client. A filled
        honeypot, or an address already at FOLLOWS_PER_ADDRESS athletes, is thanked the same
        way and stores nothing."""
        athlete = self.object = get_object_or_404(self.get_queryset(), slug=kwargs["slug"])
        form = FollowForm(request.POST)
        if not same_origin(request):
            form.is_valid()
            form.add_error(None, FOREIGN_POST_MESSAGE.format(site=settings.SITE_NAME))
            return self.follow_refused(form, status=403)
        if not form.is_valid():
            return self.follow_refused(form, status=400)
        wait = ratelimit.hit("follow", client_hash(request), ratelimit.parse_rates(settings.FOLLOW_RATE))
        if wait:
            response = self.follow_refused(form, status=429, rate_limit_wait=wait)
            response["Retry-After"] = str(wait)
            return response
        email = form.cleaned_data["email"]
        if not form.looks_like_a_bot():
            # Past the most follows an address may have, nothing is stored or sent, and the
            # words are the same: saying so would tell anyone what that address follows.
            with contextlib.suppress(notifications.TooManyFollows):
                notifications.athlete_follow_request(email=email, athlete=athlete)
        message = FOLLOW_MESSAGE.format(email=notifications.normalise_email(email), name=athlete.name)
        messages.info(request, message)
        return HttpResponseRedirect(athlete.get_absolute_url(), status=303)

    def follow_refused(self, form, *, status, rate_limit_wait=0):
        context = self.get_context_data(object=self.object, follow_form=form)
        context["follow_rate_limit_wait"] = rate_limit_wait
        return self.render_to_response(context, status=status)

    @staticmethod
    def person(athlete, url):
        """The schema.org Person describing ``athlete``."""
        person = {
            "@context": "https://schema.org",
            "@type": "Person",
            "name": athlete.name,
            "nationality": {"@type": "Country", "name": athlete.country.name},
            "url": url,
        }
        if athlete.birth_date:
            person["birthDate"] = athlete.birth_date.isoformat()
        if athlete.birth_place:
            person["birthPlace"] = {"@type": "Place", "name": athlete.birth_place}
        if athlete.photo:
            person["image"] = _absolute(athlete.photo.url)
        return person

    @staticmethod
    def describe(athlete, counts):
        """The page's meta description: who, and the medals on record."""
        if counts["total"]:
            medals = ", ".join(f"{counts[m]} {m}" for m in ("gold", "silver", "bronze") if counts[m])
            summary = f"championship medals on record at Podium: {medals}"
        else:
            summary = "no championship medals on record at Podium yet"
        return (
            f"{athlete.name} ({athlete.country.name}): {summary}. "
            "Medal history, best championship marks, records, results and head-to-heads, with sources."
        )


@cache_page(ATHLETICS)
@require_safe
def head_to_head(request, slug, other):
    """Every race two athletes both ran and who finished ahead. The same athlete twice, or
    an unknown slug, is a 404: there is no head-to-head to show."""
    if slug == other:
        raise Http404("An athlete has no head-to-head with themself.")
    athletes = {a.slug: a for a in Athlete.objects.for_listing().filter(slug__in=[slug, other])}
    if slug not in athletes or other not in athletes:
        raise Http404("No such athlete.")
    athlete, rival = athletes[slug], athletes[other]
    h2h = selectors.head_to_head(athlete=athlete, rival=rival)
    races = len(h2h.races)
    context = {
        "athlete": athlete,
        "rival": rival,
        "h2h": h2h,
        "canonical_url": _absolute(request.path),
        "meta_description": (
            f"{athlete.name} v {rival.name}: {races} championship race{'s' if races != 1 else ''} "
            f"on record at Podium, {h2h.athlete_wins}–{h2h.rival_wins}."
        ),
    }
    return render(request, "athletics/head_to_head.html", context)


class CompetitionListView(ListView):
    """Every championship edition on record, newest first, grouped by year."""

    template_name = "athletics/competition_list.html"
    context_object_name = "editions"

    def get_queryset(self):
        return selectors.editions_for_listing()


class EditionDetailView(DetailView):
    """One edition: where and when, its medallists per discipline with marks, the other
    finalists on record, sources, other editions of the championship and related articles."""

    template_name = "athletics/edition_detail.html"
    context_object_name = "edition"

    def get_queryset(self):
        return CompetitionEdition.objects.select_related("competition__sport", "country")

    def get_context_data(self, **kwargs):
        from news.models import Article  # news depends on athletics, not the other way round

        context = super().get_context_data(**kwargs)
        edition = self.object
        events = selectors.edition_results(edition=edition)
        footnotes = selectors.Footnotes()
        for event in events:
            for result in event.medallists + event.others:
                result.footnote = footnotes.cite(result)
        url = _absolute(edition.get_absolute_url())
        other_editions = list(
            CompetitionEdition.objects.filter(competition=edition.competition)
            .exclude(pk=edition.pk)
            .order_by("-year", "pk")
        )
        articles = list(
            Article.objects.published().filter(editions=edition).order_by("-published_at", "-pk")[:6]
        )
        medal_total = sum(len(event.medallists) for event in events)
        context.update(
            events=events,
            sources=footnotes.sources,
            other_editions=other_editions,
            articles=articles,
            canonical_url=url,
            event_ld=self.sports_event(edition, events, url),
            breadcrumbs=breadcrumb_list(
                ("Championships", reverse("athletics:competition_list")),
                (f"{edition.competition.name} {edition.display_name}", edition.get_absolute_url()),
            ),
            meta_description=(
                f"{edition}: {medal_total} medallist{'s' if medal_total != 1 else ''} "
                f"in {len(events)} event{'s' if len(events) != 1 else ''} on record at Podium, "
                f"with marks and sources."
            ),
        )
        return context

    @staticmethod
    def sports_event(edition, events, url):
        """The schema.org SportsEvent of ``edition``: when and where (the host Country by
        name, with its code), its medallists as competitors and one sub-event per discipline.
        Dates and places not on record are left out, never guessed."""
        location = {"@type": "Place", "name": edition.city, "address": {"@type": "PostalAddress"}}
        location["address"]["addressLocality"] = edition.city
        if edition.country:
            # A Country by name: World Athletics' codes (GER, SUI) are not ISO 3166 codes.
            location["address"]["addressCountry"] = {
                "@type": "Country",
                "name": edition.country.name,
                "identifier": edition.country.code,
            }
        sport = edition.competition.sport.name
        event_ld = {
            "@context": "https://schema.org",
            "@type": "SportsEvent",
            "name": str(edition),
            "sport": sport,
            "location": location,
            "url": url,
        }
        if edition.start_date:
            event_ld["startDate"] = edition.start_date.isoformat()
        if edition.end_date:
            event_ld["endDate"] = edition.end_date.isoformat()
        competitors, sub_events = {}, []
        for event in events:
            medallists = [EditionDetailView.competitor(result.athlete) for result in event.medallists]
            competitors.update((person["url"], person) for person in medallists)
            sub_event = {
                "@type": "SportsEvent",
                "name": f"{edition} — {event.discipline.name}",
                "sport": sport,
                "location": location,
                "url": f"{url}#event-{event.discipline.slug}",
            }
            # The final's day, when every result of it on record gives the same one.
            days = {result.date for result in event.medallists + event.others}
            if len(days) == 1 and None not in days:
                sub_event["startDate"] = days.pop().isoformat()
            if medallists:
                sub_event["competitor"] = medallists
            sub_events.append(sub_event)
        if competitors:
            event_ld["competitor"] = list(competitors.values())
        if sub_events:
            event_ld["subEvent"] = sub_events
        return event_ld

    @staticmethod
    def competitor(athlete):
        """A medallist as a schema.org Person, with the country they compete for."""
        return {
            "@type": "Person",
            "name": athlete.name,
            "url": _absolute(athlete.get_absolute_url()),
            "nationality": {"@type": "Country", "name": athlete.country.name},
        }


@cache_page(ATHLETICS)
@require_safe
def medal_table(request):
    """Medals by country (gold, then silver, then bronze, then name), optionally for one
    competition (``?competition=olympic-games``; unknown values are ignored). Countries
    that tie on all three share a rank."""
    slug = str(request.GET.get("competition", "")).strip().lower()
    competitions = selectors.medal_table_competitions()
    competition = next((c for c in competitions if c.slug == slug), None)
    rows = selectors.medal_table(competition=competition)
    rank, previous = 0, None
    for index, country in enumerate(rows, start=1):
        key = (country.gold, country.silver, country.bronze)
        if key != previous:
            rank, previous = index, key
        country.rank = rank
    query = f"?{urlencode({'competition': competition.slug})}" if competition else ""
    context = {
        "rows": rows,
        "competitions": competitions,
        "selected_competition": competition,
        "canonical_url": _absolute(f"{request.path}{query}"),
    }
    return render(request, "athletics/medal_table.html", context)
