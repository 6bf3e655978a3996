"""Forms of the team lead's page: bulk reassign and the week's roster grid."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import Team, Ticket, User
from tickets.selectors import ticket_visible_to
from tickets.selectors.team import team_owner_choices


class BulkAssignForm(forms.Form):
    """Tickets the lead ticked and the member who takes them. Which tickets the lead may move
    is the service's rule (tickets_bulk_assign); this form only reads what was posted."""

    tickets = forms.ModelMultipleChoiceField(
        label=_("Tickets"),
        queryset=Ticket.objects.none(),
        error_messages={
            "required": _("Choose at least one ticket."),
            "invalid_choice": _("Some of the chosen tickets do not exist or are not yours to see."),
            "invalid_pk_value": _(
                "Some of the chosen tickets do not exist or are not yours to see."
            ),
        },
    )
    owner = forms.ModelChoiceField(
        label=_("Give them to"),
        queryset=User.objects.none(),
        error_messages={
            "required": _("Choose the member who takes them."),
            "invalid_choice": _("Choose a member of this team who may own tickets."),
        },
    )
    # When the lead's page was drawn: a ticket changed since then makes the post stale.
    seen_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, team: Team, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = ticket_visible_to(user=user)
        self.fields["owner"].queryset = team_owner_choices(team=team)


class _ShiftsField(forms.MultipleChoiceField):
    """The ticked cells of the roster grid, each "<member id>:<YYYY-MM-DD>"."""

    def valid_value(self, value: str) -> bool:
        return parse_shift(value) is not None


def parse_shift(value: str) -> tuple[int, date] | None:
    user, _sep, day = str(value).partition(":")
    try:
        return int(user), date.fromisoformat(day)
    except ValueError:
        return None


class RosterForm(forms.Form):
    """One week of the roster. Who may be on it, and which days may change, are roster_set's
    rules; this form checks the shape: a Monday, and cells of that week."""

    week = forms.DateField(
        label=_("Week"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Say which week this roster is for.")},
    )
    shifts = _ShiftsField(
        label=_("Shifts"),
        required=False,
        error_messages={"invalid_choice": _("“%(value)s” is not a cell of the roster.")},
    )
    # The roster's fingerprint as the page showed it: a change since makes the save stale.
    version = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_week(self) -> date:
        week = self.cleaned_data["week"]
        if week.weekday() != 0:
            raise forms.ValidationError(_("A roster week starts on a Monday."))
        return week

    def clean_shifts(self) -> list[tuple[int, date]]:
        return [parse_shift(value) for value in self.cleaned_data["shifts"]]

    def clean(self) -> dict:
        cleaned = super().clean()
        week, shifts = cleaned.get("week"), cleaned.get("shifts") or []
        if week and any(not week <= day <= week + timedelta(days=6) for _user, day in shifts):
            self.add_error("shifts", _("Every shift must fall in the week being saved."))
        return cleaned
