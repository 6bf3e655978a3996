from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tickets.filters import TicketFilter
from tickets.models import Ticket, User
from tickets.selectors import QUEUES, saved_filters_for_user

# What a saved filter may hold: the queue tab and the list's filters.
ALLOWED_QUERY_KEYS = frozenset({"queue", *TicketFilter.base_filters})


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=Ticket.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    # The version of the ticket the page showed: a change since then makes the post stale.
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)


class SavedFilterForm(forms.Form):
    """Name the list's current query string; the query must be one the list understands."""

    name = forms.CharField(label=_("Name"), max_length=40, strip=True)
    query = forms.CharField(label=_("Filter"), max_length=500, required=False, strip=True)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if saved_filters_for_user(user=self.user).filter(name=name).exists():
            raise forms.ValidationError(_("You already have a saved filter with this name."))
        return name

    def clean_query(self) -> str:
        # The cursor is a position, not a filter: a saved filter always opens on page one.
        params = QueryDict(self.cleaned_data["query"].lstrip("?"), mutable=True)
        params.pop("after", None)
        unknown = set(params) - ALLOWED_QUERY_KEYS
        if unknown or ("queue" in params and params["queue"] not in QUEUES):
            raise forms.ValidationError(_("This is not a ticket list filter."))
        if not TicketFilter(non_empty(params)).is_valid():
            raise forms.ValidationError(_("This filter has values the list does not accept."))
        return params.urlencode()


def non_empty(params: QueryDict) -> QueryDict:
    """The filter form's "All" option submits an empty value: it means no filter."""
    cleaned = params.copy()
    for key in list(cleaned):
        cleaned.setlist(key, [value for value in cleaned.getlist(key) if value])
    return cleaned
