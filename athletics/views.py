# Placeholder until the athletics pages land (the names config/urls.py needs).
from django.http import Http404
from django.views.generic import View


class _Placeholder(View):
    def get(self, request, *args, **kwargs):
        raise Http404


AthleteListView = AthleteDetailView = CompetitionListView = EditionDetailView = _Placeholder


def head_to_head(request, slug, other):
    raise Http404


def medal_table(request):
    raise Http404
