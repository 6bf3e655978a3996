"""Forms for sub-tasks and transfers: each names the field that is wrong.

The services check the same rules again (they are the API's and the tasks' too); the forms
only say it next to the field.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import SubTask, Ticket
from tickets.selectors.dispatch import (
    parts_team_default,
    subtask_target_teams,
    transfer_target_teams,
)
from tickets.services.dispatch import MAX_NOTE_LENGTH, MAX_PART_CODE_LENGTH, MAX_QUANTITY

TEXT_MAX = 2000


def _text(label, *, required: bool = True, rows: int = 2, max_length: int = TEXT_MAX, **kw):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kw,
    )


class SubTaskRequestForm(forms.Form):
    """A parts request or a technical consultation; `kind` says which (a hidden field)."""

    kind = forms.ChoiceField(choices=SubTask.Kind.choices, widget=forms.HiddenInput)
    team = forms.ModelChoiceField(label=_("To team"), queryset=None)
    part_code = forms.CharField(
        label=_("Part code"), max_length=MAX_PART_CODE_LENGTH, required=False, strip=True
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, required=False
    )
    request = _text(_("What is needed"), required=False)
    due_at = forms.DateTimeField(
        label=_("Due (leave empty for the default)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    # The version of the ticket the page showed: a change since then makes the post stale.
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket: Ticket, now: datetime, kind: str = "", **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{kind or 'subtask'}_%s")
        super().__init__(*args, **kwargs)
        self.now = now
        posted = self.data.get("kind") if self.is_bound else kind
        self.kind = posted if posted in SubTask.Kind.values else SubTask.Kind.PARTS
        self.fields["team"].queryset = subtask_target_teams(ticket=ticket)
        if not self.is_bound:
            self.initial = {**self.initial, "kind": self.kind}
        if self.kind == SubTask.Kind.TECHNICAL:
            self.fields["request"].label = _("Question for technical support")
            del self.fields["part_code"], self.fields["quantity"]
        else:
            self.fields["request"].label = _("Description (if no part code)")
            self.fields["quantity"].initial = 1
            if not self.is_bound:
                self.fields["team"].initial = parts_team_default()

    @property
    def is_parts(self) -> bool:
        return self.kind == SubTask.Kind.PARTS

    def clean_due_at(self) -> datetime | None:
        due_at = self.cleaned_data["due_at"]
        if due_at is not None and due_at <= self.now:
            raise forms.ValidationError(_("The due time must be in the future."))
        return due_at

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        missing: dict[str, str] = {}
        if kind == SubTask.Kind.PARTS:
            if not (data.get("part_code") or data.get("request")):
                missing["part_code"] = _("Give the part code or describe the part.")
            if data.get("quantity") is None:
                missing["quantity"] = _("Say how many are needed.")
        elif kind == SubTask.Kind.TECHNICAL and not data.get("request"):
            missing["request"] = _("Say what technical support should answer.")
        for field, message in missing.items():
            # A field that failed its own validation already says what is wrong with it.
            if not self.has_error(field):
                self.add_error(field, message)
        return data


class SubTaskCompleteForm(forms.Form):
    result = _text(
        _("What was shipped, or the answer"),
        error_messages={"required": _("Say what was shipped or what the answer is.")},
    )


class SubTaskCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is no longer needed"),
        max_length=TEXT_MAX,
        strip=True,
        error_messages={"required": _("Say why the sub-task is no longer needed.")},
    )


class TransferRequestForm(forms.Form):
    to_team = forms.ModelChoiceField(label=_("To team"), queryset=None)
    reason = _text(
        _("Why this team should take it"),
        error_messages={"required": _("Say why another team should take this ticket.")},
    )
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        kwargs.setdefault("auto_id", "id_transfer_%s")
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = transfer_target_teams(ticket=ticket)


class TransferDeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Why your team does not take it"),
        max_length=MAX_NOTE_LENGTH,
        strip=True,
        error_messages={"required": _("Say why your team does not take this ticket.")},
    )
