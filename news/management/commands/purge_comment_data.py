import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from news.services import comment_data_purge


class Command(BaseCommand):
    help = (
        "Clear commenters' emails and hashed client addresses (comments, reports and recommendations), "
        "and delete the earlier texts of edited and deleted comments, older than "
        "COMMENTS_DATA_RETENTION_DAYS (90). Run it daily from cron; running it twice changes nothing."
    )

    def handle(self, *args, **options):
        days = settings.COMMENTS_DATA_RETENTION_DAYS
        counts = comment_data_purge(before=timezone.now() - datetime.timedelta(days=days))
        self.stdout.write(
            f"Purged data older than {days} days: {counts['comments']} comment(s), "
            f"{counts['reports']} report(s), {counts['recommendations']} recommendation(s), "
            f"{counts['revisions']} earlier text(s) of edited or deleted comments."
        )
