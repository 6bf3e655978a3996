"""The website form (官网售后入口) and the content fields every written channel shares."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intake.forms import ServiceErrorsMixin
from intake.services import DESCRIPTION_MAX, Complaint
from tickets.models import Ticket
from tickets.phones import phone_normalise

PREVIEW_SALT = "intake.web.preview"
PREVIEW_MAX_AGE = 60 * 60  # an hour to read the summary and confirm it


def _text(label, *, max_length: int = 200, required: bool = False, placeholder: str = ""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs={"placeholder": placeholder} if placeholder else {}),
    )


class ComplaintContentForm(ServiceErrorsMixin, forms.Form):
    """What the customer tells us, whatever the channel; the channel adds how it was confirmed."""

    customer_name = _text(_("Your name"), max_length=100, required=True)
    phone = forms.CharField(
        label=_("Mobile or landline"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "13812345678"}
        ),
    )
    product_model = _text(
        _("Product model"), max_length=100, placeholder=_("On the label, e.g. KFR-35GW")
    )
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label=_("What is the problem?"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _("E.g. the air conditioner rattles after 15 minutes of cooling"),
            }
        ),
    )
    scene = _text(_("When does it happen?"), placeholder=_("E.g. while cooking, at night"))
    symptom = _text(
        _("What do you see or hear?"), placeholder=_("E.g. leaking, noise, won't start")
    )
    tried = _text(_("What have you tried?"), placeholder=_("E.g. restarted, changed the batteries"))
    frequency = _text(_("How often?"), placeholder=_("E.g. every time, twice a week"))
    customer_urgency = forms.ChoiceField(
        label=_("How urgent is it for you?"),
        choices=Ticket.Urgency.choices,
        initial=Ticket.Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    CONTENT_FIELDS = (
        "customer_name",
        "phone",
        "product_model",
        "purchase_date",
        "description",
        "scene",
        "symptom",
        "tried",
        "frequency",
        "customer_urgency",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_id", uuid4())
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        # Checked here so the preview never shows a number we would refuse; the raw text is
        # kept and complaint_register normalises it again.
        phone = self.cleaned_data["phone"].strip()
        phone_normalise(phone)
        return phone

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError(_("Describe the problem."), code="required")
        return description

    def complaint(self, **channel_fields: Any) -> Complaint:
        data = self.cleaned_data
        return Complaint(
            **{field: data[field] for field in self.CONTENT_FIELDS},
            external_ref=str(data["submission_id"]),
            **channel_fields,
        )


class WebComplaintForm(ComplaintContentForm):
    # The honeypot: hidden from people by CSS, filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def signed_payload(self) -> str:
        """The previewed data, signed, for the confirming POST to carry back unchanged."""
        return signing.dumps(
            {field: self.data.get(field, "") for field in (*self.CONTENT_FIELDS, "submission_id")},
            salt=PREVIEW_SALT,
            compress=True,
        )

    @classmethod
    def from_payload(cls, payload: str) -> WebComplaintForm:
        """Rebuild the bound form from a signed payload; raise signing.BadSignature."""
        data = signing.loads(payload, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
        if not isinstance(data, dict):
            raise signing.BadSignature("payload is not a mapping")
        return cls(data={key: str(value) for key, value in data.items()})


class StatusLookupForm(forms.Form):
    number = forms.CharField(
        label=_("Ticket number"),
        max_length=24,
        widget=forms.TextInput(attrs={"placeholder": "SH-20261123-000042"}),
    )
    phone = forms.CharField(
        label=_("The phone number you gave us"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])
