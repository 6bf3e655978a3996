"""The customer's survey and the agent's callback form: input checks only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import CallbackTask
from feedback.services.loop import COMMENT_MAX

SCORE_ERROR = _("Choose a score from 1 to 5.")
SCORES = [
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neutral")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
]
SOLVED = [("yes", _("Yes, solved")), ("no", _("No, not solved"))]
NPS = [(n, str(n)) for n in range(11)]


def _yes(value: str) -> bool:
    return value == "yes"


class SurveyAnswersForm(forms.Form):
    """The four answers, shared by the customer's page and the agent's callback form."""

    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with our service?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": SCORE_ERROR, "invalid_choice": SCORE_ERROR},
    )
    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=SOLVED,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether the problem is solved."),
            "invalid_choice": _("Say whether the problem is solved."),
        },
    )
    nps = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend? (0–10)"),
        choices=NPS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose from 0 to 10, or leave it out.")},
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us?"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(SurveyAnswersForm):
    """The customer's page: every answer but the optional ones is required."""


class CallbackForm(SurveyAnswersForm):
    """The agent's call: the outcome, and the customer's answers when they gave them."""

    outcome = forms.ChoiceField(
        label=_("Call outcome"),
        choices=CallbackTask.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the call went.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=CallbackTask._meta.get_field("note").max_length,
    )
    field_order = ["outcome", "satisfaction", "solved", "nps", "comment", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Answers are asked only when the customer answered; the clean below enforces it.
        self.fields["satisfaction"].required = False
        self.fields["solved"].required = False
        self.fields["satisfaction"].empty_value = None
        self.fields["solved"].empty_value = None

    def clean(self):
        data = super().clean()
        if data.get("outcome") == CallbackTask.Outcome.ANSWERED:
            if data.get("satisfaction") is None and "satisfaction" not in self.errors:
                self.add_error("satisfaction", SCORE_ERROR)
            if data.get("solved") is None and "solved" not in self.errors:
                self.add_error("solved", _("Say whether the problem is solved."))
        return data
