"""The per-visitor parts every page may have, filled into its ``{% visitor %}`` holes on
each response (``core.cache``)."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import format_html


def csrf_input(request):
    """A form's hidden CSRF token input (as ``{% csrf_token %}`` renders it)."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))


def messages_html(request):
    """The visitor's waiting messages ("Your comment is published"), shown once; nothing
    (and no look at the session) for a visitor without a messages or session cookie."""
    cookies = request.COOKIES
    if "messages" not in cookies and settings.SESSION_COOKIE_NAME not in cookies:
        return ""
    messages = list(get_messages(request))
    return render_to_string("includes/messages.html", {"messages": messages}) if messages else ""
