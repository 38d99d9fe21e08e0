"""Admin forms: marks typed in the sport's notation, and consistency checks that the
database cannot express (a medal that contradicts the position, a record that does not
beat the one it supersedes)."""

from django import forms
from django.core.exceptions import ValidationError

from .marks import EXAMPLES, format_mark, is_better, parse_mark
from .models import MEDAL_FOR_POSITION, RECORD_FLAG_FIELDS, Medal, Record, Result


class MarkInputMixin:
    """Replaces the integer ``mark`` with a text field in notation ("3:29.38")."""

    mark_required = False

    def _init_mark_field(self):
        instance = self.instance
        self.fields["mark"] = forms.CharField(
            required=self.mark_required,
            label="Mark",
            help_text="As published: “3:29.38” for times, “2.35” for heights and distances.",
            widget=forms.TextInput(attrs={"size": 10, "placeholder": "3:29.38", "inputmode": "decimal"}),
        )
        if instance.pk and instance.mark is not None and instance.discipline_id:
            self.initial["mark"] = format_mark(instance.mark, instance.discipline.measure)

    def _clean_mark(self, cleaned):
        text = (cleaned.get("mark") or "").strip()
        discipline = cleaned.get("discipline")
        if not text:
            cleaned["mark"] = None
            return
        if discipline is None:
            return  # the discipline field reports its own error
        try:
            cleaned["mark"] = parse_mark(text, discipline.measure)
        except ValidationError as exc:
            self.add_error("mark", exc)
            cleaned.pop("mark", None)


class ResultForm(MarkInputMixin, forms.ModelForm):
    source_url = forms.URLField(label="Source URL", required=False, assume_scheme="https")

    class Meta:
        model = Result
        fields = [
            "athlete", "edition", "discipline", "round", "position", "mark", "date", "medal",
            *RECORD_FLAG_FIELDS, "source", "source_url",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_mark_field()

    def clean(self):
        cleaned = super().clean()
        self._clean_mark(cleaned)
        medal, position, round_ = cleaned.get("medal"), cleaned.get("position"), cleaned.get("round")
        if medal and round_ and round_ != Result.Round.FINAL:
            self.add_error("medal", "Medals are won in finals only.")
        elif medal and position is not None and medal != MEDAL_FOR_POSITION.get(position):
            # A medal that differs from the place (a reallocated medal, a tie) must still be
            # a podium medal, and a gold can never go to someone placed below a medallist.
            expected = MEDAL_FOR_POSITION.get(position, Medal.NONE)
            if position > 3 or expected == Medal.NONE:
                self.add_error(
                    "medal",
                    f"Position {position} does not win a medal; clear the medal or correct the position.",
                )
        return cleaned


class RecordForm(MarkInputMixin, forms.ModelForm):
    mark_required = True
    source_url = forms.URLField(label="Source URL", required=False, assume_scheme="https")
    supersedes = forms.ModelChoiceField(
        queryset=Record.objects.none(),
        required=False,
        help_text="The current record this one beats (same kind, discipline, sex and scope). "
        "It will be marked as superseded by this one.",
    )

    class Meta:
        model = Record
        fields = [
            "kind", "discipline", "sex", "country", "area", "competition", "athlete", "mark", "date", "year",
            "venue", "source", "source_url",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_mark_field()
        current = Record.objects.current().select_related("athlete", "discipline", "country", "competition")
        if self.instance.pk:
            current = current.exclude(pk=self.instance.pk)
            previous = (
                getattr(self.instance, "supersedes", None) if hasattr(self.instance, "supersedes") else None
            )
            if previous is not None:
                current = current | Record.objects.filter(pk=previous.pk)
                self.initial["supersedes"] = previous.pk
        self.fields["supersedes"].queryset = current.order_by("discipline__sort_order", "kind")
        self.fields["supersedes"].label_from_instance = lambda r: (
            f"{r.title}: {r.mark_display} ({r.athlete}, {r.year})"
        )

    def _previous(self):
        """The record this one already superseded, if any."""
        if not self.instance.pk:
            return None
        return Record.objects.filter(superseded_by=self.instance).first()

    def clean(self):
        cleaned = super().clean()
        self._clean_mark(cleaned)
        kind = cleaned.get("kind")
        discipline = cleaned.get("discipline")
        scope = {
            "kind": kind,
            "discipline": discipline,
            "sex": cleaned.get("sex"),
            "country": cleaned.get("country"),
            "area": cleaned.get("area") or "",
            "competition": cleaned.get("competition"),
        }
        if not all(scope[k] for k in ("kind", "discipline", "sex")):
            return cleaned
        if kind == Record.Kind.NATIONAL and not scope["country"]:
            self.add_error("country", "A national record needs its country.")
        if kind != Record.Kind.NATIONAL and scope["country"]:
            self.add_error("country", "Only national records have a country.")
        if kind == Record.Kind.AREA and not scope["area"]:
            self.add_error("area", "An area record needs its area.")
        if kind != Record.Kind.AREA and scope["area"]:
            self.add_error("area", "Only area records have an area.")
        if kind == Record.Kind.CHAMPIONSHIP and not scope["competition"]:
            self.add_error("competition", "A championship record needs its competition.")
        if kind != Record.Kind.CHAMPIONSHIP and scope["competition"]:
            self.add_error("competition", "Only championship records have a competition.")
        if self.errors:
            return cleaned

        others = Record.objects.current().filter(**scope)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        current = others.first()
        superseded = cleaned.get("supersedes")
        previous = self._previous()
        if superseded is not None and superseded != current and superseded != previous:
            self.add_error(
                "supersedes", "Choose the current record of the same kind, discipline, sex and scope."
            )
        elif current is not None and superseded is None and self.instance.is_current:
            self.add_error(
                "supersedes",
                f"There is already a current record: {current.mark_display} by {current.athlete} "
                f"({current.year}). Choose it here if this record beats it.",
            )
        mark = cleaned.get("mark")
        if (
            superseded is not None
            and mark is not None
            and not is_better(mark, superseded.mark, discipline.measure)
        ):
            self.add_error(
                "mark",
                f"{format_mark(mark, discipline.measure)} does not beat the current record "
                f"{superseded.mark_display}.",
            )
        return cleaned


__all__ = ["EXAMPLES", "RecordForm", "ResultForm"]
