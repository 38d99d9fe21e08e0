from django.apps import AppConfig


class AthleticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "athletics"
