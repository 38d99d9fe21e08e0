"""The "Follow by email" form of an athlete's page (README, "Follow an athlete")."""

from django import forms


class FollowForm(forms.Form):
    """An address to email about one athlete, and a honeypot (hidden by CSS, filled by bots)."""

    email = forms.EmailField(
        label="Your email",
        max_length=254,
        error_messages={
            "required": "Please give the email address to send the alerts to.",
            "invalid": "Please give a whole email address, like name@example.com.",
        },
    )
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "follow-%s")
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def looks_like_a_bot(self):
        return bool(self.cleaned_data.get("website"))
