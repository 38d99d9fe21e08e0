"""Admin forms for articles: images are validated with Pillow, and an image always comes
with its alt text and credit."""

import time

from django import forms
from django.conf import settings
from django.core import signing

from core.form_tokens import check_moment, read_moment, signed_moment

from . import embeds, text
from .images import ACCEPTED, validate_image
from .models import Article, Author, Comment, CommentReport

# The form's anti-bot token: the article's pk and the time the form was rendered, signed.
# (A new salt: tokens of the old, article-less form are refused like forged ones.)
RENDERED_AT_SALT = "news.comment.rendered_at.article"


class ImageWithTextMixin:
    """Validates an uploaded image and requires its alt text and credit."""

    image_field = ""
    alt_field = ""
    credit_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get(self.image_field)
        if field is not None:
            # Django's own extension check accepts every extension Pillow knows (.pdf, .xbm…) and,
            # when it refuses, lists them all: validate_image (clean_image) checks the name
            # against the content and names the formats the site renders.
            field.validators = []
            field.error_messages["invalid_image"] = (
                f"Upload a {ACCEPTED} image: this file is not an image, or it is damaged."
            )

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
            "section", "tags", "authors", "athletes", "editions", "records", "status", "published_at",
            "is_featured", "comments_open",
        ]  # fmt: skip

    def clean_hero_image(self):
        return self.clean_image()

    def clean_body(self):
        """Every results shortcode must name something that exists (README, "Results in
        stories"): each error names the shortcode that failed."""
        body = self.cleaned_data["body"]
        errors = embeds.shortcode_errors(body)
        if errors:
            raise forms.ValidationError(errors)
        return body

    def clean(self):
        cleaned = super().clean()
        self.check_image_text(cleaned)
        return cleaned


def rendered_at_token(article_pk, *, at=None):
    """The comment form's signed ``rendered_at``: ``"<article pk>:<Unix time>"`` for the form
    of that article, rendered at ``at`` (now by default)."""
    return signed_moment(RENDERED_AT_SALT, article_pk, at=at)


def read_rendered_at(token):
    """``(article pk as text, Unix time)`` of a ``rendered_at`` token; BadSignature when it is
    missing, forged or malformed."""
    return read_moment(RENDERED_AT_SALT, token)


def validate_no_surrogates(value):
    """Lone UTF-16 surrogates cannot be stored as UTF-8 (PostgreSQL refuses them)."""
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise forms.ValidationError("This text contains characters we cannot store.", code="surrogates")


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
    # Reply emails (the notifications app): only with an email, confirmed once by a link.
    notify = forms.BooleanField(
        label="Email me when someone replies",
        required=False,
        help_text="We first send a link to confirm the address; each email has a one-click unsubscribe.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # Honeypot: hidden from people by CSS (and from screen readers), filled by bots.
    website = forms.CharField(label="Leave this field empty", required=False)
    rendered_at = forms.CharField(required=False, widget=forms.HiddenInput)

    error_messages_by_field = {
        "name": "Please give a name (up to 80 characters).",
        "body": "Please write a comment (up to 3,000 characters).",
    }
    too_long_by_field = {
        "name": "Please shorten your name to 80 characters (it has %(show_value)d).",
        "body": "Please shorten your comment to 3,000 characters (it has %(show_value)d).",
    }

    def __init__(self, *args, article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": 80})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        # No maxlength on the comment: a browser would silently cut a long paste; the server
        # says how long it is instead, and keeps all of it.
        self.fields["body"].widget.attrs.pop("maxlength", None)
        if not self.is_bound:
            self.initial["rendered_at"] = rendered_at_token(article.pk)
        for name, message in self.error_messages_by_field.items():
            self.fields[name].error_messages["required"] = message
            self.fields[name].error_messages["max_length"] = self.too_long_by_field[name]
            self.fields[name].validators.append(validate_no_surrogates)

    def clean_name(self):
        """The name as ``news.text`` cleans it (one line, nothing invisible, something
        visible), and not one that would pass for the staff's: a reserved term
        (COMMENTS_RESERVED_NAMES) or a staff byline, however spelled (``text.is_reserved``)."""
        name = self.within_max_length("name", text.clean_name(self.cleaned_data["name"]))
        bylines = Author.objects.values_list("name", flat=True)
        if text.is_reserved(name, terms=settings.COMMENTS_RESERVED_NAMES, bylines=bylines):
            raise forms.ValidationError(
                f"This name is reserved for {settings.SITE_NAME}'s staff; please choose another.",
                code="reserved_name",
            )
        return name

    def clean_body(self):
        """The comment as ``news.text`` cleans it: nothing invisible, something visible."""
        return self.within_max_length("body", text.clean_body(self.cleaned_data["body"]))

    def within_max_length(self, field, value):
        """``value``, checked again against the field's limit: NFKC can lengthen text ("ﷺ"
        is 18 letters)."""
        if len(value) > self.fields[field].max_length:
            raise forms.ValidationError(
                self.too_long_by_field[field], code="max_length", params={"show_value": len(value)}
            )
        return value

    def clean_rendered_at(self):
        """The signed render time: refused, with a message, when it is missing or forged,
        was rendered for another article, or is older than COMMENTS_FORM_MAX_AGE_HOURS (so a
        token cannot be collected once and replayed). The page re-renders with a fresh one,
        so the fan only has to send again."""
        token = self.cleaned_data.get("rendered_at") or ""
        check_moment(RENDERED_AT_SALT, token, self.article, what="comment", again_from="again from this one")
        return token

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error(
                "notify",
                forms.ValidationError(
                    "To be emailed about replies, give your email address (or untick this box).",
                    code="notify_without_email",
                ),
            )
        return cleaned

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
        try:
            _, at = read_rendered_at(self.cleaned_data.get("rendered_at") or "")
        except signing.BadSignature:
            return None
        return time.time() - at

    def looks_like_a_bot(self):
        """A filled honeypot, a forged or missing render time, or a post faster than a person types."""
        if self.cleaned_data.get("website"):
            return True
        elapsed = self.seconds_since_rendered()
        return elapsed is None or elapsed < settings.COMMENTS_MIN_SECONDS


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=CommentReport.Reason.choices)
