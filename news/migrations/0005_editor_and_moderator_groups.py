from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")

# Exactly what each role needs (see README, "Roles"); nothing on users, groups or permissions.
GROUPS = {
    "Editors": [
        *(f"news.{action}_{model}" for model in ("article", "section", "tag", "author") for action in CRUD),
        *(
            f"athletics.{action}_{model}"
            for model in ("athlete", "discipline", "competition", "competitionedition", "result", "record")
            for action in CRUD
        ),
        # Pickers for an athlete's country and a discipline's sport.
        "athletics.view_country",
        "athletics.view_sport",
        # Moderating comments.
        "news.view_comment",
        "news.change_comment",
        "news.view_commentreport",
    ],
    "Moderators": [
        "news.view_article",
        "news.view_comment",
        "news.change_comment",
        "news.view_commentreport",
    ],
}


def create_groups(apps, schema_editor):
    # On a fresh database permissions are created only after all migrations ran
    # (post_migrate); create them now for the two apps whose permissions we grant.
    for label in ("news", "athletics"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0004_comment_report"),
        ("athletics", "0002_record_is_current"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
