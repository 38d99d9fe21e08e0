from django.core.management.base import BaseCommand
from django.db import transaction

from athletics.demo_data import load_athletics_demo
from core import cache
from news.demo_data import load_news_demo


class Command(BaseCommand):
    help = (
        "Load Podium's demo content (verified athletics facts and the founding Kerr article). "
        "Idempotent: creates only what is missing and never changes or deletes a row."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            created = load_athletics_demo(warn=lambda message: self.stderr.write(self.style.WARNING(message)))
            created += load_news_demo()
        # Some demo rows are written without model signals: start every cached page afresh.
        cache.bump_all()
        if not created:
            self.stdout.write("Demo content: nothing to add.")
            return
        parts = [
            f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
            for model, count in created.items()
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo content: created {', '.join(parts)}."))
