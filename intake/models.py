"""Channel records that are not tickets themselves: calls from the call centre."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket


class Call(models.Model):
    """One hotline call, upserted from the call centre's events by (vendor, call id)."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    vendor = models.CharField(_("vendor"), max_length=50)
    call_id = models.CharField(_("call id"), max_length=100)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    # E.164 when it parses, else as sent: the call centre may send withheld or odd numbers.
    caller = models.CharField(_("caller"), max_length=40, blank=True)
    callee = models.CharField(_("callee"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    recording_url = models.URLField(_("recording URL"), max_length=500, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "call_id"], name="call_unique_vendor_id")
        ]
        indexes = [
            # The agent's form polls for the newest ringing call (intake.selectors).
            models.Index(fields=["agent", "-started_at"], name="call_agent_started"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor}:{self.call_id}"

    @property
    def duration_seconds(self) -> int | None:
        if self.answered_at and self.ended_at:
            return int((self.ended_at - self.answered_at).total_seconds())
        return None


class WechatCallbackEvent(models.Model):
    """One decrypted WeChat Work callback, stored once however often WeChat retries it."""

    # WeChat sends MsgId only for messages (events are deduped by sender, time and event);
    # NULL, not "", says "no MsgId" so a unique index on it later would not trip on events.
    msg_id = models.CharField(_("message id"), max_length=64, null=True, blank=True)  # noqa: DJ001
    dedupe_key = models.CharField(_("dedupe key"), max_length=400, unique=True)
    msg_type = models.CharField(_("message type"), max_length=32, blank=True)
    event = models.CharField(_("event"), max_length=64, blank=True)
    from_user = models.CharField(_("from user"), max_length=128, blank=True)
    create_time = models.DateTimeField(_("created by WeChat at"), null=True, blank=True)
    # kf_msg_or_event carries only this token: sync_msg needs it to pull the messages.
    token = models.CharField(_("sync token"), max_length=128, blank=True)
    open_kfid = models.CharField(_("customer service account"), max_length=64, blank=True)
    raw_xml = models.TextField(_("decrypted XML"))
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("WeChat callback event")
        verbose_name_plural = _("WeChat callback events")

    def __str__(self) -> str:
        return self.dedupe_key
