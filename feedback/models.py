"""The notification outbox: every message the product sends a customer is a row here first."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets import masking
from tickets.models import ProductCategory, Ticket


class MessageKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    PROGRESS = "progress", _("Progress update")
    APPOINTMENT = "appointment", _("Appointment")
    RESOLUTION = "resolution", _("Resolution")
    SURVEY = "survey", _("Satisfaction survey")
    CALLBACK_APPOINTMENT = "callback_appointment", _("Callback appointment")
    # An agent's own words, when the channel the customer wrote in cannot carry them.
    REPLY = "reply", _("Reply from an agent")
    # Seed 004: the fix for a problem the customer reported has shipped (knowledge's loop).
    FIX_NOTICE = "fix_notice", _("Product fix notice")


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
    """An agent's satisfaction callback (回访) of one resolution.

    Created when the callback falls due (3 working days after resolution) for L1/L2 tickets,
    and for any ticket whose survey is still unanswered 2 working days after it was sent. The
    agent records the call's outcome and the customer's answers (the Survey) in one form.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    class Reason(models.TextChoices):
        TIER = "tier", _("Urgent or important ticket")
        UNANSWERED = "unanswered", _("Survey not answered")

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Reached, answers recorded")
        DECLINED = "declined", _("Reached, declined to answer")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="callback_tasks"
    )
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    reason = models.CharField(
        _("reason"), max_length=20, choices=Reason.choices, default=Reason.TIER
    )
    survey = models.ForeignKey(
        "feedback.Survey",
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("call attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

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


class Survey(models.Model):
    """The customer's satisfaction survey of one resolution, answered once.

    The customer opens it through a signed, expiring link (feedback.survey_links) sent by the
    outbox when the callback falls due; an agent on a callback may record the answers instead.
    A score below 4 or "not solved" sends the ticket to second handling.
    """

    class Via(models.TextChoices):
        LINK = "link", _("Survey link")
        CALL = "call", _("Callback call")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="surveys"
    )
    # The resolution it asks about: the ticket's callback due time when it was sent.
    callback_due_at = models.DateTimeField(_("callback due"))
    # Random, in the signed link: a forged or guessed id never matches.
    nonce = models.CharField(_("nonce"), max_length=32, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("link expires at"))
    # When an unanswered survey becomes an agent's callback (2 working days after sending);
    # cleared once answered or once that callback exists.
    unanswered_check_at = models.DateTimeField(_("unanswered check at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_via = models.CharField(
        _("answered via"), max_length=10, choices=Via.choices, blank=True
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("likely to recommend (0–10)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "callback_due_at"], name="survey_once_per_resolution"
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__lte=10), name="survey_nps_0_to_10"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | (Q(satisfaction__isnull=False) & Q(solved__isnull=False)),
                name="survey_answered_has_score_and_solved",
            ),
        ]
        indexes = [
            # The sweep: unanswered surveys whose check time has come.
            models.Index(
                fields=["unanswered_check_at"],
                name="survey_unanswered_check",
                condition=Q(unanswered_check_at__isnull=False),
            ),
            # The KPI dashboard: answers by date.
            models.Index(fields=["answered_at"], name="survey_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.callback_due_at:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def needs_second_handling(self) -> bool:
        """Seed 000: a score below 4, or the customer says it is not solved."""
        return self.is_answered and (self.satisfaction < 4 or not self.solved)


class WarrantyPromise(models.Model):
    """What the warranty covers after a repair, per product type: told in the resolution
    notice and prefilled on the resolve form ("维修后3个月内同一问题免费上门")."""

    category = models.CharField(
        _("product type"), max_length=30, choices=ProductCategory.choices, unique=True
    )
    text = models.CharField(_("promise"), max_length=300)

    class Meta:
        verbose_name = _("warranty promise")
        verbose_name_plural = _("warranty promises")
        ordering = ["category"]

    def __str__(self) -> str:
        return self.get_category_display()
