from django.contrib import admin

from aftersales.admin import ReadOnlyAdmin
from intake.models import WechatCallbackEvent


@admin.register(WechatCallbackEvent)
class WechatCallbackEventAdmin(ReadOnlyAdmin):
    """Read-only: rows are WeChat's word, written only by the callback."""

    list_display = ("received_at", "msg_type", "event", "open_kfid", "from_user", "processed_at")
    list_filter = ("msg_type", "event")
    search_fields = ("dedupe_key", "msg_id", "from_user", "open_kfid")
    date_hierarchy = "received_at"
    ordering = ("-received_at",)
