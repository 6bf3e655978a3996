"""The agent's form for a 400-hotline call: typed during the call, read back, confirmed."""

from __future__ import annotations

import uuid

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from intake.forms import ServiceErrorsMixin
from intake.services import DESCRIPTION_MAX
from tickets.models import Ticket

# In Chinese: 您说的是{product}在{scene}时出现{symptom}，对吗？
READBACK = _("So your {product} shows {symptom} when {scene}, is that right?")


def readback_line(*, product: str, scene: str, symptom: str) -> str:
    """The sentence the agent reads back to the caller, from the structured parts."""
    return str(READBACK).format(
        product=product.strip() or _("product"),
        scene=scene.strip() or _("in use"),
        symptom=symptom.strip() or _("the problem"),
    )


class HotlineForm(ServiceErrorsMixin, forms.Form):
    phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "off",
                # htmx: the caller's history pops up as the number is typed.
                "hx-get": reverse_lazy("intake:caller_history"),
                "hx-trigger": "input changed delay:400ms, load",
                "hx-target": "#caller-history",
            }
        ),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=100)
    product_model = forms.CharField(
        label=_("Product model"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "product-models", "autocomplete": "off"}),
    )
    batch = forms.CharField(label=_("Batch / serial"), max_length=100, required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    scene = forms.CharField(label=_("Scene"), max_length=200, required=False)
    symptom = forms.CharField(label=_("Symptom"), max_length=200, required=False)
    frequency = forms.CharField(label=_("Frequency"), max_length=200, required=False)
    tried = forms.CharField(label=_("Already tried"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Problem in the customer's words"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_urgency = forms.ChoiceField(
        label=_("Customer's urgency"),
        choices=Ticket.Urgency.choices,
        initial=Ticket.Urgency.NORMAL,
    )
    customer_confirmed = forms.BooleanField(
        label=_("客户已确认 (the customer confirmed the read-back)"),
        required=True,
        error_messages={"required": _("Read the problem back and tick once the customer agrees.")},
    )
    call = forms.IntegerField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def readback(self) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return readback_line(
            product=data.get("product_model", ""),
            scene=data.get("scene", ""),
            symptom=data.get("symptom", ""),
        )
