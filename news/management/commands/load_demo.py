from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from athletics.demo_data import load_athletics_demo
from core import cache
from news.demo_data import load_news_demo


class Command(BaseCommand):
    help = (
        "Load Podium's demo content (verified athletics facts and the founding Kerr article). "
        "Idempotent: creates only what is missing, never deletes a row, and changes none an "
        "editor has changed (an edition it created earlier gains the dates and host since verified)."
    )

    def handle(self, *args, **options):
        updated = Counter()
        with transaction.atomic():
            created = load_athletics_demo(
                warn=lambda message: self.stderr.write(self.style.WARNING(message)), updated=updated
            )
            created += load_news_demo()
        # Some demo rows are written without model signals: start every cached page afresh.
        cache.bump_all()
        if not created and not updated:
            self.stdout.write("Demo content: nothing to add.")
            return
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo content: created {self.rows(created)}."))
        if updated:
            self.stdout.write(self.style.SUCCESS(f"Demo content: completed {self.rows(updated)}."))

    @staticmethod
    def rows(counts):
        """ "2 results, 1 record": the rows of ``counts`` ({model: number}) in words."""
        return ", ".join(
            f"{count} {model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural}"
            for model, count in counts.items()
        )
