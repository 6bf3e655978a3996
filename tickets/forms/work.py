"""The forms of the ticket page's actions: each validates what its service needs and names
the field that is wrong. Every form knows the ticket and the user it is for."""

from __future__ import annotations

from uuid import uuid4

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import SLA_TARGETS, Ticket, User
from tickets.selectors.work import owners_assignable, tags_addable, warranty_note_default
from tickets.services.work import MESSAGE_MAX_CHARS, TEXT_MAX_CHARS, CallOutcome

TEXTAREA = {"rows": 3}


class TicketActionForm(forms.Form):
    # The version of the ticket the page showed: a change since then makes the post stale.
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket: Ticket, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ticket, self.user = ticket, user


class ContactLogForm(TicketActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    note = forms.CharField(
        label=_("What was said"), required=False, max_length=TEXT_MAX_CHARS, strip=True
    )


class NoteForm(TicketActionForm):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Seen by staff only, never sent to the customer."),
    )


class MessageForm(TicketActionForm):
    text = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("The customer gets it by SMS, after a greeting with the ticket number."),
    )
    # One token per message written: the same form posted twice sends it once.
    slot = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].initial = uuid4().hex
        self.fields["slot"].error_messages["invalid"] = _("This form has expired: reload the page.")


class VersionOnlyForm(TicketActionForm):
    """One-click actions (take, start work): only the version the page showed."""


class ResumeForm(TicketActionForm):
    note = forms.CharField(
        label=_("What the customer sent"),
        required=False,
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HoldForm(TicketActionForm):
    reason = forms.CharField(
        label=_("Waiting for"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the purchase receipt, a photo of the label. The SLA clocks pause."),
    )


class ReopenForm(TicketActionForm):
    reason = forms.CharField(
        label=_("Why reopen"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs=TEXTAREA)
    )


class ResolveForm(TicketActionForm):
    resolution_code = forms.ChoiceField(
        label=_("How it was resolved"), choices=[("", "—"), *Ticket.Resolution.choices]
    )
    root_cause = forms.ChoiceField(
        label=_("Root cause"), choices=[("", "—"), *Ticket.RootCause.choices]
    )
    resolution_note = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    warranty_note = forms.CharField(
        label=_("What the warranty now covers"),
        required=False,
        max_length=300,
        help_text=_("Told to the customer with the resolution."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warranty_note"].initial = warranty_note_default(ticket=self.ticket)


class AssignForm(TicketActionForm):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners_assignable(ticket=self.ticket, lead=self.user)


class TierForm(TicketActionForm):
    tier = forms.ChoiceField(label=_("New tier"), choices=[("", "—"), *Ticket.Tier.choices])
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX_CHARS, strip=True)

    def clean_tier(self) -> str:
        tier = self.cleaned_data["tier"]
        if tier == self.ticket.tier:
            raise forms.ValidationError(_("The ticket has this tier already."))
        return tier


class DeadlineForm(TicketActionForm):
    which = forms.ChoiceField(label=_("Deadline"))
    new_due_at = forms.DateTimeField(
        label=_("New due time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=TEXT_MAX_CHARS, strip=True)

    LABELS = {"first_contact": _("First contact due"), "resolve": _("Resolution due")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["which"].choices = [
            (target, self.LABELS[target])
            for target in SLA_TARGETS
            if self.ticket.sla_target_pending(target)
            and getattr(self.ticket, f"{target}_due_at") is not None
        ]


class TagAddForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("Add a tag"), queryset=tags_addable())


class TagReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("reject", _("Reject"))],
    )
