"""The bench's URLconf: the framework floor view, then every production URL.

The floor is what Django costs at all: the full middleware stack, URL resolution and a
tiny template rendered with the request's context processors, and no database query.
Every page is measured as a ratio to it.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.http import require_safe

from config.urls import handler404, handler500  # noqa: F401 (the same error pages)

FLOOR_TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
    "<body><main><h1>{{ title }}</h1><p>{{ message }}</p></main></body></html>\n"
)


@require_safe
def floor(request):
    """A tiny template, rendered with the request: no query, no cache."""
    context = {"title": "Floor", "message": "The least a Django page costs here."}
    return HttpResponse(FLOOR_TEMPLATE.render(context, request))


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("config.urls")),
]
