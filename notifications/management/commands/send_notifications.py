import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from notifications.services import athletes_digests_queue, moderation_digest_queue, outbox_send_due


class Command(BaseCommand):
    help = (
        "Send the outbox's due emails (reply notifications, confirmations, the moderators' digest, "
        "followers' athlete digests), retrying failures with backoff, and queue the digests when due "
        "(moderators': hourly; athletes': daily per address, when something is new). Run it every "
        "minute from a timer (README, Scheduled jobs); two runs at once never send a mail twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, sending every SECONDS (development: `make run`). Default: once.",
        )

    def handle(self, *args, every, **options):
        while True:
            moderation_digest_queue()
            athletes_digests_queue()
            report = outbox_send_due()
            if report.sent or report.failed or report.given_up or options["verbosity"] > 1:
                self.stdout.write(
                    f"Outbox: {report.sent} sent, {report.failed} failed (retried later), "
                    f"{report.given_up} given up."
                )
            if every <= 0:
                return
            close_old_connections()
            time.sleep(every)
