from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin
from feedback.models import CustomerMessage, MessageTemplate
from feedback.wording import DEFAULT_WORDINGS, wording_placeholders_check


@admin.register(CustomerMessage)
class CustomerMessageAdmin(ReadOnlyAdmin):
    """Read-only: messages are written by the outbox services, never by hand."""

    list_display = (
        "ticket",
        "kind",
        "slot",
        "recipient",
        "backend",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "backend")
    search_fields = ("ticket__number", "provider_message_id")
    list_select_related = ("ticket",)
    # The full phone number stays out of the admin: only the masked one is shown.
    fields = (
        "ticket",
        "kind",
        "slot",
        "recipient",
        "template_key",
        "body",
        "params",
        "backend",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "provider_message_id",
        "last_error",
        "created_at",
        "sent_at",
        "delivered_at",
    )
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description=_("recipient phone"))
    def recipient(self, obj: CustomerMessage) -> str:
        return obj.masked_phone


class MessageTemplateForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("template"), choices=[(key, key) for key in DEFAULT_WORDINGS])

    class Meta:
        model = MessageTemplate
        fields = ("key", "body")

    def clean(self):
        data = super().clean()
        key, body = data.get("key"), data.get("body")
        if key and body and (unknown := wording_placeholders_check(key=key, body=body)):
            allowed = ", ".join(f"{{{name}}}" for name in DEFAULT_WORDINGS[key].placeholders)
            self.add_error(
                "body",
                _("Unknown placeholders %(unknown)s; this template offers %(allowed)s.")
                % {"unknown": ", ".join(unknown), "allowed": allowed},
            )
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Edited wordings; a key without a row uses the default in feedback/wording.py."""

    form = MessageTemplateForm
    list_display = ("key", "body", "updated_at")
