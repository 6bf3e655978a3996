"""The store walk-in form (线下门店登记): the website fields, on-screen confirmation, photos."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intake.attachments import MAX_FILES, attachment_validate
from intake.forms.web import ComplaintContentForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's recipe for an <input type=file multiple>: cleans to a list of uploads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class StoreComplaintForm(ComplaintContentForm):
    customer_name = forms.CharField(label=_("Customer's name"), max_length=100)
    phone = forms.CharField(
        label=_("Customer's phone"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    customer_urgency = forms.ChoiceField(
        label=_("How urgent is it for the customer?"),
        choices=ComplaintContentForm.base_fields["customer_urgency"].choices,
        initial=ComplaintContentForm.base_fields["customer_urgency"].initial,
        widget=forms.RadioSelect,
    )
    files = MultipleFileField(
        label=_("Photos of the label or the fault, or a PDF"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )
    customer_confirmed = forms.BooleanField(
        label=_("The customer has confirmed the description on screen"),
        error_messages={"required": _("Let the customer read and confirm the description.")},
    )

    def clean_files(self) -> list:
        uploads = self.cleaned_data["files"]
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                _("Attach at most %(max)s files."), code="too_many", params={"max": MAX_FILES}
            )
        errors = []
        for upload in uploads:
            try:
                attachment_validate(upload)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
        return uploads
