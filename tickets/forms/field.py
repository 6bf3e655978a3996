"""Forms for on-site visits and mail-in repair. They check the shape of the input; the
services check the rules (windows, capacity, states) and name the field they refuse."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intake.forms.store import MultipleFileField, MultipleFileInput
from tickets.models import MailIn, Visit
from tickets.selectors.field import BOOKING_HORIZON, engineers_all

ISO_DATE = "%Y-%m-%d"


class EngineerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class VisitPlaceForm(forms.Form):
    """When and where: what the engineer suggestions are computed for."""

    date = forms.DateField(
        label=_("Date"),
        input_formats=[ISO_DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
    )
    window = forms.ChoiceField(label=_("Time window"), choices=Visit.Window.choices)
    city = forms.CharField(label=_("City"), max_length=30)
    district = forms.CharField(label=_("District"), max_length=30, required=False)

    def clean_date(self) -> date:
        day = self.cleaned_data["date"]
        today = timezone.localdate(timezone=timezone.get_default_timezone())
        if day < today:
            raise forms.ValidationError(_("This day has passed."))
        if day > today + BOOKING_HORIZON:
            raise forms.ValidationError(
                _("Book at most %(days)s days ahead.") % {"days": BOOKING_HORIZON.days}
            )
        return day


# Primary keys as PostgreSQL's integer takes them: anything else is no choice, not an error.
PK_BOUNDS = {"required": False, "min_value": 1, "max_value": 2**31 - 1}


class SuggestionQueryForm(VisitPlaceForm):
    """The htmx refresh: the place and time, the engineer picked so far, the visit moving."""

    engineer = forms.IntegerField(**PK_BOUNDS)
    moving = forms.IntegerField(**PK_BOUNDS)


class VisitScheduleForm(VisitPlaceForm):
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    engineer = EngineerChoiceField(
        label=_("Engineer"),
        queryset=engineers_all(),
        error_messages={"required": _("Choose an engineer.")},
    )
    # The version of the ticket the page showed: a change since then makes the post stale.
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class VisitRescheduleForm(VisitScheduleForm):
    reason = forms.CharField(label=_("Why it moves"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class VisitCompleteForm(forms.Form):
    work_done = forms.CharField(
        label=_("Work done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what was done.")},
    )
    parts_used = forms.CharField(label=_("Parts used"), max_length=300, required=False)
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    customer_confirmed = forms.BooleanField(
        label=_("The customer has checked the work and confirms it"),
        error_messages={
            "required": _("Ask the customer to confirm the work before you record it as done.")
        },
    )


class MailInStartForm(forms.Form):
    return_address = forms.CharField(label=_("Return address"), max_length=200)
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class MailInAdvanceForm(forms.Form):
    to_status = forms.ChoiceField(choices=MailIn.Status.choices, widget=forms.HiddenInput)
    tracking = forms.CharField(label=_("Tracking number"), max_length=50, required=False)
