import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from corrections.services import error_report_data_purge
from news.services import comment_data_purge
from notifications.services import notification_data_purge


class Command(BaseCommand):
    help = (
        "Clear commenters' emails and hashed client addresses (comments, reports and recommendations), "
        "and delete the earlier texts of edited and deleted comments, older than "
        "COMMENTS_DATA_RETENTION_DAYS (90), and the reply-email data no longer needed (follows of that "
        "age, unconfirmed addresses and athlete follows after 48 hours, sent mail after 7 days), and the "
        "emails and hashed client addresses of readers' error reports of that age. Run it daily from cron; "
        "running it twice changes nothing."
    )

    def handle(self, *args, **options):
        days = settings.COMMENTS_DATA_RETENTION_DAYS
        before = timezone.now() - datetime.timedelta(days=days)
        counts = comment_data_purge(before=before)
        emails = notification_data_purge(before=before)
        error_reports = error_report_data_purge(before=before)
        self.stdout.write(
            f"Purged data older than {days} days: {counts['comments']} comment(s), "
            f"{counts['reports']} report(s), {counts['recommendations']} recommendation(s), "
            f"{counts['revisions']} earlier text(s) of edited or deleted comments; "
            f"reply emails: {emails['subscriptions']} follow(s), "
            f"athletes: {emails['follows']} unconfirmed follow(s), "
            f"{emails['addresses']} address(es), {emails['messages']} sent message(s); "
            f"{error_reports} error report(s)."
        )
