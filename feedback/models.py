"""The notification outbox: every message the product sends a customer is a row here first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets import masking
from tickets.models import Ticket


class MessageKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    PROGRESS = "progress", _("Progress update")
    APPOINTMENT = "appointment", _("Appointment")
    RESOLUTION = "resolution", _("Resolution")
    SURVEY = "survey", _("Satisfaction survey")
    CALLBACK_APPOINTMENT = "callback_appointment", _("Callback appointment")
    # An agent's own words, when the channel the customer wrote in cannot carry them.
    REPLY = "reply", _("Reply from an agent")


class CustomerMessage(models.Model):
    """One message to one customer, sent at most once per (ticket, kind, slot).

    Lifecycle: queued → sending → sent → delivered | undelivered. A backend error goes to
    retry_wait (or failed after OUTBOX_MAX_ATTEMPTS), a rate limit to rate_limited; the sweeper
    puts both back to queued when next_attempt_at comes.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        RETRY_WAIT = "retry_wait", _("Waiting to retry")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MessageKind.choices)
    # What makes a repeat the same message: "" for the one acknowledgement, the 4-hour window
    # ("2026-11-22T14") for a progress update, the visit's id for an appointment.
    slot = models.CharField(_("slot"), max_length=50, blank=True, default="")
    # E.164, copied from the customer when queued: a later change of number does not reroute it.
    phone = models.CharField(_("recipient phone"), max_length=20)
    template_key = models.CharField(_("template"), max_length=40)
    body = models.TextField(_("body"))
    # The template's variables, for providers that fill a pre-approved template themselves.
    params = models.JSONField(_("template parameters"), default=dict, blank=True)
    backend = models.CharField(_("backend"), max_length=20)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the sweeper should (re)enqueue it; for a queued message, the end of the lease given
    # to the task already enqueued, after which the sweeper assumes that task was lost.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("handed to the backend at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer message")
        verbose_name_plural = _("customer messages")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "slot"], name="customer_message_once_per_slot"
            ),
        ]
        indexes = [
            # The sweeper: due queued / retry_wait / rate_limited rows (message_dispatch_due).
            models.Index(fields=["status", "next_attempt_at"], name="customer_message_due"),
            # The per-phone rate limit: what was handed over in the last day (_phone_usage).
            models.Index(fields=["phone", "claimed_at"], name="customer_message_phone_use"),
            # Delivery receipts find their message by the provider's id (message_receipt_record).
            models.Index(
                fields=["backend", "provider_message_id"], name="customer_message_provider_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.slot}".strip()

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)


class MessageTemplate(models.Model):
    """An edited wording for one template key; without a row the code's default is used."""

    key = models.CharField(_("template"), max_length=40, unique=True)
    body = models.TextField(
        _("body"),
        help_text=_("Placeholders in braces, e.g. {number}; only the default's may be used."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class CallbackTask(models.Model):
    """The satisfaction callback (回访) of one resolution, due 3 working days after it.

    The SLA sweep creates it when it falls due; the feedback issue works it (call, score, a
    second handling below 4). One per (ticket, due time): a reopened ticket's next
    resolution gets its own.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="callback_tasks"
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("satisfaction callback")
        verbose_name_plural = _("satisfaction callbacks")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "due_at"], name="callback_task_once_per_resolution"
            ),
        ]
        indexes = [
            # The callers' queue: open callbacks, earliest due first.
            models.Index(fields=["status", "due_at"], name="callback_task_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.due_at:%Y-%m-%d}"
