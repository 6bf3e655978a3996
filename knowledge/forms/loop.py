"""Forms of the improvement loop: input checks only; the services in knowledge.services.loop
decide what may happen."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import (
    ImprovementPlan,
    PlanAction,
    PlanApproval,
    ProblemReport,
    Verification,
)
from knowledge.services.loop import MAX_TICKETS_PER_CHANGE, UnknownTickets, tickets_by_numbers
from tickets.models import Product, Tag, User

# Agents paste numbers separated by commas (also Chinese ones), spaces or new lines.
NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")
NUMBER_SHAPE = re.compile(r"^[A-Z0-9-]{1,24}$")


def split_numbers(text: str) -> list[str]:
    return [part.upper() for part in NUMBER_SEPARATORS.split(text or "") if part]


class TicketNumbersField(forms.CharField):
    """Ticket numbers → the tickets; an unknown number is an error naming it."""

    widget = forms.Textarea(attrs={"rows": 2, "placeholder": "SH-20261101-000001, …"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20_000)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        numbers = split_numbers(value)
        if len(numbers) > MAX_TICKETS_PER_CHANGE:
            raise forms.ValidationError(
                _("Give at most %(count)d ticket numbers.") % {"count": MAX_TICKETS_PER_CHANGE}
            )
        bad = [number for number in numbers if not NUMBER_SHAPE.match(number)]
        if bad:
            raise forms.ValidationError(
                _("Not a ticket number: %(numbers)s.") % {"numbers": ", ".join(bad[:10])}
            )
        try:
            return tickets_by_numbers(numbers)
        except UnknownTickets as exc:
            raise forms.ValidationError(str(exc)) from exc


class SuggestionFilterForm(forms.Form):
    STATUS = [("open", _("Open")), ("all", _("All"))]
    PERIOD = [
        ("30", _("Last 30 days")),
        ("90", _("Last 90 days")),
        ("365", _("Last 12 months")),
        ("", _("Any time")),
    ]

    status = forms.ChoiceField(label=_("Status"), choices=STATUS, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD, required=False)

    def values(self) -> tuple[bool, str]:
        """(open only, period); unreadable input is the defaults, as a stale bookmark should."""
        if not self.is_valid():
            return True, "90"
        return self.cleaned_data["status"] != "all", self.cleaned_data["period"]


class ReportCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    product = forms.ModelChoiceField(
        label=_("Product model"), queryset=Product.objects.all(), required=False
    )
    batch = forms.CharField(label=_("Batch"), max_length=100, required=False)
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.select_related("parent"), required=False
    )
    tickets = TicketNumbersField(
        label=_("Tickets"),
        required=False,
        help_text=_("Ticket numbers, separated by commas or spaces."),
    )
    alert = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReportEditForm(forms.ModelForm):
    class Meta:
        model = ProblemReport
        fields = ["title", "root_cause_class", "evidence"]
        widgets = {"evidence": forms.Textarea(attrs={"rows": 5})}


class ReportTicketsForm(forms.Form):
    numbers = TicketNumbersField(label=_("Add tickets"))


class ReportStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ProblemReport.Status.OPEN, _("Reopen")),
            (ProblemReport.Status.CLOSED, _("Close without a fix")),
        ],
    )


class PlanForm(forms.ModelForm):
    class Meta:
        model = ImprovementPlan
        fields = ["summary", "customer_notice"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "customer_notice": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "customer_notice": _(
                "Sent by SMS when the fix ships: “…我们已完成改进：<this text>。感谢您…”."
            )
        }


class PlanActionForm(forms.ModelForm):
    class Meta:
        model = PlanAction
        fields = ["term", "kind", "description", "owner", "due_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanAction.Status.choices)


class DecisionForm(forms.Form):
    role = forms.ChoiceField(label=_("As"), choices=PlanApproval.Role.choices)
    decision = forms.ChoiceField(label=_("Decision"), choices=PlanApproval.Decision.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class VerificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Verification.Kind.choices)
    passed = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("yes", _("Passed")), ("no", _("Failed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
