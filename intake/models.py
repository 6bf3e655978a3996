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
