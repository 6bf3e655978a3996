from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin
from aftersales.log_filters import links_redact
from feedback.models import CallbackTask, CustomerMessage, MessageTemplate, Survey, WarrantyPromise
from feedback.wording import (
    DEFAULT_WORDINGS,
    wording_placeholders_check,
    wording_required_missing,
)


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
        "shown_body",
        "shown_params",
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

    # The survey link is the customer's bearer token: staff see it blanked out.
    @admin.display(description=_("body"))
    def shown_body(self, obj: CustomerMessage) -> str:
        return links_redact(obj.body)

    @admin.display(description=_("template parameters"))
    def shown_params(self, obj: CustomerMessage) -> dict:
        return {name: links_redact(str(value)) for name, value in obj.params.items()}


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
        if key and body and (missing := wording_required_missing(key=key, body=body)):
            self.add_error(
                "body",
                _("This template must keep %(missing)s.")
                % {"missing": ", ".join(f"{{{name}}}" for name in missing)},
            )
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Edited wordings; a key without a row uses the default in feedback/wording.py."""

    form = MessageTemplateForm
    list_display = ("key", "body", "updated_at")


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    """Read-only: answers come from the customer's link or an agent's callback, never by hand.
    The nonce (half of the customer's link) is not shown."""

    list_display = (
        "ticket",
        "sent_at",
        "expires_at",
        "answered_at",
        "answered_via",
        "satisfaction",
        "solved",
        "nps",
    )
    list_filter = ("answered_via", "satisfaction", "solved")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)
    fields = (
        "ticket",
        "callback_due_at",
        "sent_at",
        "expires_at",
        "unanswered_check_at",
        "answered_at",
        "answered_via",
        "answered_by",
        "satisfaction",
        "solved",
        "nps",
        "comment",
    )
    readonly_fields = fields
    ordering = ("-sent_at",)


@admin.register(CallbackTask)
class CallbackTaskAdmin(admin.ModelAdmin):
    """Callbacks are created by the sweeps and recorded on /feedback/callbacks/; here a lead
    may only (re)assign one."""

    list_display = ("ticket", "due_at", "reason", "status", "assignee", "attempts", "outcome")
    list_filter = ("status", "reason", "outcome")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "assignee")
    fields = (
        "ticket",
        "survey",
        "reason",
        "due_at",
        "created_at",
        "status",
        "assignee",
        "attempts",
        "outcome",
        "note",
        "done_at",
        "done_by",
    )
    readonly_fields = tuple(name for name in fields if name != "assignee")
    ordering = ("status", "due_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WarrantyPromise)
class WarrantyPromiseAdmin(admin.ModelAdmin):
    """What the warranty covers after a repair, per product type: the resolve form's default
    and the resolution notice's promise."""

    list_display = ("category", "text")
