from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Ticket.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
