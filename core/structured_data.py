"""schema.org pieces shared by the pages' JSON-LD (README, "Search engines and feeds").

Every URL in them is absolute, on ``SITE_URL``, like the canonical links. The pages render
them with their app's ``json_ld`` template tag, which escapes ``<``, ``>`` and ``&`` so that
no value (a headline containing ``</script>``) can end the script element.
"""

from django.conf import settings


def absolute(path):
    """``path`` on SITE_URL; an absolute URL (a CDN's) passes unchanged."""
    path = str(path or "")
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


def breadcrumb_list(*crumbs):
    """A BreadcrumbList of ``crumbs``, each ``(name, path)``, from the home page down."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute(path)}
            for position, (name, path) in enumerate((("Home", "/"), *crumbs), start=1)
        ],
    }


def byline(author):
    """A byline's Person, or its Organization when the byline is the newsroom's ("Podium staff")."""
    return {
        "@type": "Organization" if author.is_organization else "Person",
        "name": author.name,
        "url": absolute(author.get_absolute_url()),
    }
