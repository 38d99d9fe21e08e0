from django.conf import settings

from .models import Section


def site(request):
    """Site-wide template context: name, base URL for absolute links, navigation."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        # Lazy: evaluated only if a template iterates it (the header does, once per page).
        "nav_sections": Section.objects.all(),
    }
