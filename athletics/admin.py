"""Admin for athletes and championship data. The full newsroom (mark entry in notation,
record chains, roles) is built on top of this in the editors' issue."""

from django.contrib import admin

from .models import Athlete, Competition, CompetitionEdition, Country, Discipline, Record, Result, Sport


@admin.register(Sport)
class SportAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Discipline)
class DisciplineAdmin(admin.ModelAdmin):
    list_display = ["name", "sport", "measure", "venue", "sort_order"]
    list_filter = ["sport", "measure"]
    list_select_related = ["sport"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    list_display = ["name", "sport", "level"]
    list_select_related = ["sport"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CompetitionEdition)
class CompetitionEditionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "year", "city", "indoor"]
    list_filter = ["competition", "indoor"]
    list_select_related = ["competition"]
    search_fields = ["name", "city", "competition__name"]
    autocomplete_fields = ["country"]


@admin.register(Athlete)
class AthleteAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "sex", "is_active", "is_featured"]
    list_filter = ["country", "sex", "is_featured", "disciplines"]
    list_select_related = ["country"]
    search_fields = ["name", "name_folded"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    filter_horizontal = ["disciplines"]


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["athlete", "edition", "discipline", "round", "position", "mark_display", "medal"]
    list_filter = ["edition", "discipline", "medal"]
    list_select_related = ["athlete", "edition__competition", "discipline"]
    search_fields = ["athlete__name", "edition__name"]
    autocomplete_fields = ["athlete", "edition"]

    @admin.display(description="mark", ordering="mark")
    def mark_display(self, obj):
        return obj.mark_display


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["__str__", "athlete", "year", "superseded_by"]
    list_filter = ["kind", "discipline", "sex"]
    list_select_related = [
        "athlete",
        "discipline",
        "country",
        "competition",
        "superseded_by__athlete",
        "superseded_by__discipline",
        "superseded_by__country",
        "superseded_by__competition",
    ]
    search_fields = ["athlete__name"]
    autocomplete_fields = ["athlete"]
    raw_id_fields = ["superseded_by"]
