"""``{{ value|html_datetime }}``: the one way a ``<time datetime>`` attribute is written."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value):
    """``value`` as a valid HTML ``datetime`` attribute: a date as ``2024-02-18``, a time in
    whole seconds with its offset (``2024-02-18T09:30:00+00:00``, in the site's time zone).
    Never microseconds, which ``|date:"c"`` writes and the Nu Html Checker refuses; "" for
    anything else."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
