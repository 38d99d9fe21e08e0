from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Email: the outbox every outgoing mail goes through (sent by ``send_notifications``,
    never from a request), and fans' reply notifications with double opt-in."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
