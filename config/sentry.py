"""Sentry, when ``SENTRY_DSN`` is set: sentry-sdk is an optional dependency
(``pip install -r requirements-sentry.txt``), imported only then, so a site without Sentry
neither installs nor loads it."""

from django.core.exceptions import ImproperlyConfigured


def init_sentry(dsn, *, environment, release, traces_sample_rate):
    """Start sentry-sdk with its Django integration; no personal data (IP addresses,
    cookies, user names) is sent."""
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install -r requirements-sentry.txt "
            "(or unset SENTRY_DSN)."
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
    )
