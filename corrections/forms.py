"""The readers' "Report an error" form."""

import time

from django import forms
from django.conf import settings

from core.form_tokens import check_moment, read_moment, signed_moment
from news.forms import validate_no_surrogates
from news.text import clean_body

# The form's anti-bot token: the article's pk and the time the form was rendered, signed.
# Its own salt: a comment form's token is not a report form's.
TOKEN_SALT = "corrections.report.rendered_at"  # noqa: S105 - a salt, not a password


def report_token(article_pk, *, at=None):
    """The report form's signed ``form_token``: ``"<article pk>:<Unix time>"``."""
    return signed_moment(TOKEN_SALT, article_pk, at=at)


def read_report_token(token):
    """``(article pk as text, Unix time)``; BadSignature when missing, forged or malformed."""
    return read_moment(TOKEN_SALT, token)


class ErrorReportForm(forms.Form):
    """PRODUCT.md: ``description``, optional ``source_url`` and ``email``; plus a honeypot
    (``website``) and the signed render time (``form_token``: the comment form on the same
    page has its own ``rendered_at``)."""

    description = forms.CharField(
        label="What is wrong?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Please tell us what is wrong (up to 2,000 characters).",
            "max_length": "Please shorten your report to 2,000 characters (it has %(show_value)d).",
        },
        validators=[validate_no_surrogates],
    )
    source_url = forms.URLField(
        label="Source (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Please give the source as a web address, like https://worldathletics.org/…",
            "max_length": "Please give a web address of up to 500 characters.",
        },
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        max_length=254,
        error_messages={"invalid": "Please give a valid email address, or leave it empty."},
    )
    website = forms.CharField(required=False)
    form_token = forms.CharField(required=False)

    def __init__(self, *args, article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)

    def clean_description(self):
        """Cleaned like a comment (``news.text``: nothing invisible, something visible)."""
        try:
            return clean_body(self.cleaned_data["description"])
        except forms.ValidationError:
            raise forms.ValidationError(
                "Your report has no visible characters. Please tell us what is wrong.", code="invisible"
            ) from None

    def clean_form_token(self):
        """Refused when missing or forged, made for another article, or older than
        COMMENTS_FORM_MAX_AGE_HOURS: a collected token cannot be replayed for ever."""
        token = self.cleaned_data.get("form_token")
        return check_moment(TOKEN_SALT, token, self.article, what="report", again_from="from that article")

    def looks_like_a_bot(self):
        """A filled honeypot, or a report sent faster than a person types."""
        elapsed = time.time() - self.cleaned_data["form_token"]
        return bool(self.cleaned_data.get("website")) or elapsed < settings.COMMENTS_MIN_SECONDS
