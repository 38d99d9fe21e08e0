"""The outbox and fans' email addresses (reply emails, athlete follows), for the
moderators: what went out, what waits and why (the last error), and a way to send a
given-up message again."""

from django.contrib import admin, messages
from django.utils import timezone

from .models import AthleteFollow, OutboxMessage, Subscriber, Subscription


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "kind", "status", "attempts", "next_attempt_at", "sent_at", "created_at"]
    list_filter = ["kind", "sent_at", "created_at"]
    search_fields = ["to", "subject"]
    readonly_fields = [
        "to", "subject", "body", "headers", "kind", "created_at", "attempts", "next_attempt_at", "sent_at",
        "last_error",
    ]  # fmt: skip
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="status")
    def status(self, obj):
        return obj.status

    @admin.action(description="Send again (at the next run)", permissions=["change"])
    def send_again(self, request, queryset):
        count = queryset.filter(sent_at__isnull=True).update(next_attempt_at=timezone.now(), attempts=0)
        self.message_user(request, f"{count} message(s) will be sent at the next run.", messages.SUCCESS)


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    raw_id_fields = ["thread"]
    readonly_fields = ["created_at", "last_notified_at"]
    exclude = ["pending_message"]


class AthleteFollowInline(admin.TabularInline):
    model = AthleteFollow
    extra = 0
    raw_id_fields = ["athlete"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "confirmation_sent_at", "created_at"]
    list_filter = ["confirmed_at"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "confirmation_sent_at", "confirmed_at", "athletes_digest_at"]
    inlines = [SubscriptionInline, AthleteFollowInline]
