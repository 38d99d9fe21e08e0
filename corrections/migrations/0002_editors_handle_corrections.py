from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors write corrections and work the queue of readers' error reports (README,
# "Corrections"); reports come only from readers, so no one adds or deletes them.
CODENAMES = [
    "add_correction",
    "change_correction",
    "delete_correction",
    "view_correction",
    "view_errorreport",
    "change_errorreport",
]


def grant(apps, schema_editor):
    # On a fresh database permissions are created only after all migrations ran.
    app_config = apps.get_app_config("corrections")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="corrections", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="corrections", codename__in=CODENAMES)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0001_initial"),
        ("news", "0005_editor_and_moderator_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
