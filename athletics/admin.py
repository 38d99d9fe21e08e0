"""Admin for athletes and championship data. The full newsroom (mark entry in notation,
record chains, roles) is built on top of this in the editors' issue."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from news.forms import ImageWithTextMixin

from .forms import RecordForm, ResultForm
from .models import Athlete, Competition, CompetitionEdition, Country, Discipline, Record, Result, Sport
from .services import record_create


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


class ResultInline(admin.TabularInline):
    model = Result
    form = ResultForm
    extra = 0
    show_change_link = True
    fields = ["athlete", "edition", "discipline", "round", "position", "mark", "medal", "source"]
    autocomplete_fields = ["athlete"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("athlete", "edition__competition", "discipline")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "edition":
            kwargs["queryset"] = CompetitionEdition.objects.select_related("competition")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("edition", "discipline"):
            # Every inline row would run the choices query again: run it once per request.
            choices = request.__dict__.setdefault("_result_inline_choices", {})
            if db_field.name not in choices:
                choices[db_field.name] = list(field.choices)
            field.choices = choices[db_field.name]
        return field


class EditionResultInline(ResultInline):
    fields = ["discipline", "round", "athlete", "position", "mark", "medal", "source"]


class AthleteResultInline(ResultInline):
    fields = ["edition", "discipline", "round", "position", "mark", "medal", "source"]


@admin.register(CompetitionEdition)
class CompetitionEditionAdmin(admin.ModelAdmin):
    inlines = [EditionResultInline]
    list_display = ["__str__", "year", "city", "indoor"]
    list_filter = ["competition", "indoor"]
    list_select_related = ["competition"]
    search_fields = ["name", "city", "competition__name"]
    autocomplete_fields = ["country"]


class AthleteAdminForm(ImageWithTextMixin, forms.ModelForm):
    image_field, alt_field, credit_field = "photo", "photo_alt", "photo_credit"

    class Meta:
        model = Athlete
        fields = [
            "name", "slug", "country", "sex", "birth_date", "birth_place", "disciplines", "photo",
            "photo_alt", "photo_credit", "bio", "is_active", "is_featured", "facts_verified_on",
        ]  # fmt: skip

    def clean_photo(self):
        return self.clean_image()

    def clean(self):
        cleaned = super().clean()
        self.check_image_text(cleaned)
        return cleaned


@admin.register(Athlete)
class AthleteAdmin(admin.ModelAdmin):
    form = AthleteAdminForm
    inlines = [AthleteResultInline]
    readonly_fields = ["photo_preview"]
    list_display = ["name", "country", "sex", "is_active", "is_featured"]
    list_filter = ["country", "sex", "is_featured", "disciplines"]
    list_select_related = ["country"]
    search_fields = ["name", "name_folded"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    filter_horizontal = ["disciplines"]

    @admin.display(description="preview")
    def photo_preview(self, obj):
        if not obj.photo:
            return "No photo"
        return format_html(
            '<img src="{}" alt="{}" style="max-width: 240px; height: auto">', obj.photo.url, obj.photo_alt
        )


class EditionFilter(admin.SimpleListFilter):
    """Editions with their competition in one query (the default filter would run one
    query per edition to print its name)."""

    title = "edition"
    parameter_name = "edition"

    def lookups(self, request, model_admin):
        return [(e.pk, str(e)) for e in CompetitionEdition.objects.select_related("competition")]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(edition_id=value)
        return queryset


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    form = ResultForm
    list_display = ["athlete", "edition", "discipline", "round", "position", "mark_display", "medal"]
    list_filter = [EditionFilter, "discipline", "medal"]
    list_select_related = ["athlete", "edition__competition", "discipline"]
    search_fields = ["athlete__name", "edition__name"]
    autocomplete_fields = ["athlete", "edition"]

    @admin.display(description="mark", ordering="mark")
    def mark_display(self, obj):
        return obj.mark_display


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    form = RecordForm
    list_display = ["__str__", "athlete", "year", "is_current", "superseded_by"]
    list_filter = ["is_current", "kind", "discipline", "sex"]
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
    readonly_fields = ["is_current", "superseded_by"]

    def save_model(self, request, obj, form, change):
        supersedes = form.cleaned_data.get("supersedes")
        if supersedes is not None and supersedes.is_current:
            record_create(record=obj, supersedes=supersedes)
        else:
            obj.save()
