"""``python manage.py regenerate_renditions``: rebuild the WebP renditions of every article
hero and athlete photo, after a change of widths (``news.images.RENDITION_WIDTHS``) or of
how they are made (README, "Images"). Old renditions, of widths no longer offered included,
are deleted first; ``--missing`` only writes the ones that do not exist yet.
``--originals`` also cleans originals stored before uploads were cleaned (orientation
applied, sRGB, metadata such as GPS removed): rewritten in place under the same name, with
their stored dimensions updated."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction

from athletics.models import Athlete
from core import cache
from news import images
from news.models import Article

# (model, image field, width field, height field)
IMAGES = (
    (Article, "hero_image", "hero_width", "hero_height"),
    (Athlete, "photo", "photo_width", "photo_height"),
)


class Command(BaseCommand):
    help = "Rebuild the renditions of every article hero and athlete photo (after a change of sizes)."

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="Only write renditions that do not exist.")
        parser.add_argument(
            "--originals",
            action="store_true",
            help="Also clean originals stored with metadata or a rotation (rewritten in place).",
        )

    def handle(self, *args, missing, originals, **options):
        rebuilt = cleaned = failed = 0
        for model, field, width_field, height_field in IMAGES:
            rows = model.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).order_by("pk")
            for row in rows.iterator(chunk_size=200):
                image = getattr(row, field)
                try:
                    if not default_storage.exists(image.name):
                        raise FileNotFoundError(image.name)
                    if originals and self.clean_original(row, field, width_field, height_field):
                        cleaned += 1
                        image = getattr(row, field)
                    if not missing:
                        images.delete_renditions(image.name)
                    images.generate_renditions(image, getattr(row, width_field))
                    rebuilt += 1
                except (OSError, ValueError) as exc:
                    failed += 1
                    self.stderr.write(f"{model.__name__} {row.pk} ({image.name}): {exc}")
        if cleaned:
            # Dimensions changed through update() (no signal): start every cached page afresh.
            with transaction.atomic():
                cache.bump_all()
        self.stdout.write(
            self.style.SUCCESS(
                f"Renditions rebuilt for {rebuilt} images ({', '.join(map(str, images.RENDITION_WIDTHS))} px)"
                + (f"; {cleaned} originals cleaned" if originals else "")
                + (f"; {failed} failed (above)" if failed else "")
                + "."
            )
        )

    def clean_original(self, row, field, width_field, height_field):
        """Rewrite ``row``'s original cleaned, if it needs it; whether it did."""
        image = getattr(row, field)
        with default_storage.open(image.name, "rb") as file:
            data = images.cleaned_original(file)
        if data is None:
            return False
        name = image.name
        default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(data))
        setattr(row, field, stored)
        stored_file = getattr(row, field)
        sizes = {width_field: stored_file.width, height_field: stored_file.height}
        type(row).objects.filter(pk=row.pk).update(**{field: stored, **sizes})
        for key, value in sizes.items():
            setattr(row, key, value)
        return True
