"""List filters the admin's queues share."""

from django.contrib import admin


class QueueStatusFilter(admin.SimpleListFilter):
    """A status filter that defaults to the queue's own status (``default``) instead of "All":
    a moderator or editor lands on what waits for them. Subclasses set ``statuses`` (a
    ``TextChoices``) and ``default``; an unknown value shows nothing."""

    title = "status"
    parameter_name = "status__exact"
    statuses = None
    default = None

    def lookups(self, request, model_admin):
        return [("all", "All"), *self.statuses.choices]

    def choices(self, changelist):
        value = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        if value == "all":
            return queryset
        if value not in self.statuses.values:
            return queryset.none()
        return queryset.filter(status=value)
