"""Admin forms for articles: images are validated with Pillow, and an image always comes
with its alt text and credit."""

import time

from django import forms
from django.conf import settings
from django.core import signing

from .images import validate_image
from .models import Article, Comment, CommentReport

RENDERED_AT_SALT = "news.comment.rendered_at"


class ImageWithTextMixin:
    """Validates an uploaded image and requires its alt text and credit."""

    image_field = ""
    alt_field = ""
    credit_field = ""

    def clean_image(self):
        upload = self.cleaned_data.get(self.image_field)
        # Only a new upload has a content_type; a kept file was validated when uploaded.
        if upload and hasattr(upload, "content_type"):
            try:
                validate_image(upload)
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    [f"{self.fields[self.image_field].label}: {message}" for message in exc.messages]
                ) from exc
        return upload

    def check_image_text(self, cleaned):
        if cleaned.get(self.image_field):
            if not (cleaned.get(self.alt_field) or "").strip():
                self.add_error(
                    self.alt_field, "Describe the image: alt text is required when an image is set."
                )
            if not (cleaned.get(self.credit_field) or "").strip():
                self.add_error(
                    self.credit_field,
                    "Credit the image: photographer/agency, or “Illustration: Podium”.",
                )


class ArticleAdminForm(ImageWithTextMixin, forms.ModelForm):
    image_field, alt_field, credit_field = "hero_image", "hero_alt", "hero_credit"

    class Meta:
        model = Article
        fields = [
            "title", "slug", "standfirst", "body", "hero_image", "hero_alt", "hero_caption", "hero_credit",
            "section", "tags", "authors", "athletes", "editions", "status", "published_at", "is_featured",
            "comments_open",
        ]  # fmt: skip

    def clean_hero_image(self):
        return self.clean_image()

    def clean(self):
        cleaned = super().clean()
        self.check_image_text(cleaned)
        return cleaned


class CommentForm(forms.Form):
    """The fan's comment form (contract in PRODUCT.md): name, body, optional email and
    parent, plus the anti-spam fields: a honeypot and a signed render time."""

    name = forms.CharField(label="Name", max_length=80, strip=True)
    body = forms.CharField(
        label="Comment", max_length=3000, strip=True, widget=forms.Textarea(attrs={"rows": 6})
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        help_text="Never shown to anyone. Deleted after 90 days.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # Honeypot: hidden from people by CSS (and from screen readers), filled by bots.
    website = forms.CharField(label="Leave this field empty", required=False)
    rendered_at = forms.CharField(required=False, widget=forms.HiddenInput)

    error_messages_by_field = {
        "name": "Please give a name (up to 80 characters).",
        "body": "Please write a comment (up to 3,000 characters).",
    }

    def __init__(self, *args, article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": 80})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["body"].widget.attrs.update({"maxlength": 3000})
        if not self.is_bound:
            self.initial["rendered_at"] = signing.TimestampSigner(salt=RENDERED_AT_SALT).sign(
                str(int(time.time()))
            )
        for name, message in self.error_messages_by_field.items():
            self.fields[name].error_messages["required"] = message

    def clean_parent(self):
        """The comment replied to; a reply to a reply attaches to its top-level comment."""
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        parent = (
            Comment.objects.approved()
            .filter(article=self.article, pk=parent_id)
            .select_related("parent")
            .first()
        )
        if parent is None:
            raise forms.ValidationError("The comment you are replying to is not available.")
        return parent.parent or parent

    def seconds_since_rendered(self):
        """Seconds since the form was rendered, or None when the token is missing or forged."""
        token = self.cleaned_data.get("rendered_at") or ""
        try:
            value = signing.TimestampSigner(salt=RENDERED_AT_SALT).unsign(token)
        except signing.BadSignature:
            return None
        return time.time() - int(value)

    def looks_like_a_bot(self):
        """A filled honeypot, a forged or missing render time, or a post faster than a person types."""
        if self.cleaned_data.get("website"):
            return True
        elapsed = self.seconds_since_rendered()
        return elapsed is None or elapsed < settings.COMMENTS_MIN_SECONDS


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=CommentReport.Reason.choices)
