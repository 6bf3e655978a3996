from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.admin import ReadOnlyAdmin
from intake.models import (
    WechatCallbackEvent,
    WechatConversation,
    WechatCredentials,
    WechatMessage,
    WechatSyncCursor,
)


@admin.register(WechatCallbackEvent)
class WechatCallbackEventAdmin(ReadOnlyAdmin):
    """Read-only: rows are WeChat's word, written only by the callback."""

    list_display = ("received_at", "msg_type", "event", "open_kfid", "from_user", "processed_at")
    list_filter = ("msg_type", "event")
    search_fields = ("dedupe_key", "msg_id", "from_user", "open_kfid")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)


@admin.register(WechatSyncCursor)
class WechatSyncCursorAdmin(ReadOnlyAdmin):
    """Read-only: only the sync moves a cursor, under its row lock."""

    list_display = ("open_kfid", "cursor", "updated_at")
    search_fields = ("open_kfid",)


@admin.register(WechatConversation)
class WechatConversationAdmin(ReadOnlyAdmin):
    """Read-only: the dialogue writes it; agents answer from the ticket page."""

    list_display = (
        "open_kfid",
        "external_userid",
        "state",
        "ticket",
        "last_customer_message_at",
        "sent_since_customer_message",
        "sent_total",
    )
    list_filter = ("state",)
    search_fields = ("external_userid", "open_kfid", "first_msgid", "ticket__number")
    list_select_related = ("ticket",)
    # The phone and name are personal data: shown masked on the ticket, not listed here.
    exclude = ("phone", "customer_name")


@admin.register(WechatMessage)
class WechatMessageAdmin(ReadOnlyAdmin):
    """Read-only: WeChat's messages and what we sent, as they happened."""

    list_display = ("at", "direction", "msgtype", "status", "conversation", "ticket", "author")
    list_filter = ("direction", "status", "msgtype")
    search_fields = ("msgid", "conversation__external_userid", "ticket__number")
    list_select_related = ("conversation", "ticket", "author")
    date_hierarchy = "at"
    ordering = ("-at",)


SECRET_FIELDS = ("token", "aes_key", "secret")


class WechatCredentialsForm(forms.ModelForm):
    """Secrets are never echoed back into the page: an empty box keeps the stored value."""

    clear = forms.BooleanField(
        label=_("Clear every override (use the environment's values)"), required=False
    )

    class Meta:
        model = WechatCredentials
        fields = ("corp_id", "token", "aes_key", "secret")
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}
        help_texts = {name: _("Leave empty to keep the stored value.") for name in SECRET_FIELDS}

    def clean(self):
        data = super().clean()
        if data.get("clear"):
            return {**data, **dict.fromkeys(("corp_id", *SECRET_FIELDS), "")}
        for name in SECRET_FIELDS:
            if not data.get(name):
                data[name] = getattr(self.instance, name, "")
        return data


@admin.register(WechatCredentials)
class WechatCredentialsAdmin(admin.ModelAdmin):
    """One row overriding WECHAT_WORK_*: rotate a token or key without a restart."""

    form = WechatCredentialsForm
    list_display = ("__str__", "corp_id", "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not WechatCredentials.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
