from django.db import migrations, models

# The newsroom's byline as the demo content (and so every site started from it) names it.
STAFF_BYLINE_SLUG = "podium-staff"


def mark_staff_byline(apps, schema_editor):
    """The existing "Podium staff" byline is the newsroom's, not a person's."""
    apps.get_model("news", "Author").objects.filter(slug=STAFF_BYLINE_SLUG).update(is_organization=True)


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0013_comment_trust"),
    ]

    operations = [
        migrations.AddField(
            model_name="author",
            name="is_organization",
            field=models.BooleanField(
                default=False,
                help_text="Ticked for a byline of the newsroom rather than of a person (“Podium staff”): "
                "search engines are told it is an organisation.",
                verbose_name="newsroom byline",
            ),
        ),
        # Backwards the column goes, and the flag with it: nothing to undo.
        migrations.RunPython(mark_staff_byline, migrations.RunPython.noop),
    ]
