from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors see an article's old URLs in the article form and may delete one (for example
# to free a slug); they never write them by hand: news.services.article_save does.
CODENAMES = ["view_articleredirect", "delete_articleredirect"]


def grant(apps, schema_editor):
    # On a fresh database permissions are created only after all migrations ran.
    app_config = apps.get_app_config("news")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="news", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="news", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0006_article_redirect"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
