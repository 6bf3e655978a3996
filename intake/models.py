"""Channel records that are not tickets themselves: calls, WeChat callbacks and threads."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.wechat.crypto import aes_key_valid
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


class Submission(models.Model):
    """A complaint the intake API accepted and the worker registers moments later.

    Committed, this row is the promise made to the caller: a ticket number is reserved and
    the complaint is validated, so registering it cannot fail on the caller's input. The
    worker (or the sweeper, when a task was lost or Redis was down) turns it into the ticket
    exactly once, through the same complaint_register as every channel.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        REGISTERED = "registered", _("Registered")
        FAILED = "failed", _("Failed")

    number = models.CharField(_("reserved ticket number"), max_length=32, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Ticket.Channel.choices)
    external_ref = models.CharField(  # noqa: DJ001  NULL: no reference, no idempotency
        _("external reference"), max_length=100, null=True, blank=True
    )
    # The validated fields of intake.services.Complaint, as JSON.
    payload = models.JSONField(_("payload"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submission",
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("intake submission")
        verbose_name_plural = _("intake submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"], name="submission_unique_channel_ref"
            )
        ]
        indexes = [
            # The sweeper's question: what is still pending, oldest first.
            models.Index(
                fields=["received_at"],
                name="submission_pending",
                condition=models.Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return self.number


class WechatSyncCursor(models.Model):
    """Where sync_msg left off for one customer-service account; locked while pulling."""

    open_kfid = models.CharField(_("customer service account"), max_length=64, unique=True)
    # WeChat's next_cursor (at most 64 bytes); "" pulls from the oldest message of 3 days.
    cursor = models.CharField(_("cursor"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat sync cursor")
        verbose_name_plural = _("WeChat sync cursors")

    def __str__(self) -> str:
        return self.open_kfid


# WeChat's rule for send_msg: 48 hours after the customer's last message, at most 5 messages.
REPLY_WINDOW = timedelta(hours=48)
REPLY_WINDOW_MESSAGES = 5


class WechatConversation(models.Model):
    """One customer talking to one customer-service account: the dialogue that becomes a ticket.

    collecting → confirming (summary shown, "回复1确认") → registered; a new message after the
    ticket is resolved or closed starts collecting a new complaint.
    """

    class State(models.TextChoices):
        COLLECTING = "collecting", _("Collecting the complaint")
        CONFIRMING = "confirming", _("Waiting for confirmation")
        REGISTERED = "registered", _("Ticket registered")

    open_kfid = models.CharField(_("customer service account"), max_length=64)
    external_userid = models.CharField(_("WeChat customer"), max_length=128)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.COLLECTING
    )
    # What the customer told us so far, field by field as complaint_register takes it.
    description = models.TextField(_("description"), blank=True)
    product_model = models.CharField(_("product model"), max_length=100, blank=True)
    scene = models.CharField(_("scene"), max_length=200, blank=True)
    symptom = models.CharField(_("symptom"), max_length=200, blank=True)
    tried = models.CharField(_("what was tried"), max_length=200, blank=True)
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The question the next text answers, and every question asked (each is asked once).
    asking = models.CharField(_("asking for"), max_length=20, blank=True)
    asked = models.JSONField(_("asked"), default=list, blank=True)
    # The complaint's first message: the ticket's external_ref, so a retry registers nothing.
    first_msgid = models.CharField(_("first message id"), max_length=64, blank=True)
    first_message_at = models.DateTimeField(_("first message at"), null=True, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_customer_message_at = models.DateTimeField(
        _("customer's last message at"), null=True, blank=True
    )
    sent_since_customer_message = models.PositiveSmallIntegerField(
        _("sent since the customer's last message"), default=0
    )
    sent_total = models.PositiveIntegerField(_("messages sent"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat conversation")
        verbose_name_plural = _("WeChat conversations")
        constraints = [
            models.UniqueConstraint(
                fields=["open_kfid", "external_userid"], name="wechat_conversation_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.open_kfid}:{self.external_userid}"

    def window_closes_at(self) -> datetime | None:
        if self.last_customer_message_at is None:
            return None
        return self.last_customer_message_at + REPLY_WINDOW

    def window_open(self, now: datetime) -> bool:
        """send_msg may still reach the customer: within 48 h and under 5 messages."""
        closes = self.window_closes_at()
        return (
            closes is not None
            and now < closes
            and self.sent_since_customer_message < REPLY_WINDOW_MESSAGES
        )


class WechatMessage(models.Model):
    """One message of a WeChat thread: the customer's (pulled by sync_msg) or ours (send_msg)."""

    class Direction(models.TextChoices):
        IN = "in", _("From the customer")
        OUT = "out", _("To the customer")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Outside the window with nowhere else to send it: recorded, not delivered.
        NOT_SENT = "not_sent", _("Could not be sent")

    conversation = models.ForeignKey(
        WechatConversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_messages",
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # WeChat's msgid for the customer's messages, ours (passed to send_msg) for replies; the
    # unique constraint is what makes a re-pulled message a no-op.
    msgid = models.CharField(_("message id"), max_length=64, unique=True)
    msgtype = models.CharField(_("message type"), max_length=32, default="text")
    content = models.TextField(_("content"), blank=True)
    origin = models.PositiveSmallIntegerField(_("origin"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The outbox row this reply delivers, when the outbox chose WeChat for it.
    outbox_message = models.OneToOneField(
        "feedback.CustomerMessage",
        verbose_name=_("outbox message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_message",
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    # The customer's send_time, or when we handed ours to WeChat (queued: when we queued it).
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("WeChat message")
        verbose_name_plural = _("WeChat messages")
        indexes = [
            # The thread on the ticket page (intake.wechat.selectors.wechat_thread_for_ticket).
            models.Index(fields=["ticket", "at"], name="wechat_message_ticket_at"),
        ]

    def __str__(self) -> str:
        return self.msgid


class WechatCredentials(models.Model):
    """Admin's override of the WECHAT_WORK_* environment settings, field by field.

    An empty field keeps the environment's value, so a deployment can live on environment
    variables alone and an administrator can still rotate a token or key without a restart.
    At most one row: the primary key is fixed at 1.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    corp_id = models.CharField(_("corp id"), max_length=64, blank=True)
    token = models.CharField(_("callback token"), max_length=64, blank=True)
    aes_key = models.CharField(_("EncodingAESKey"), max_length=43, blank=True)
    secret = models.CharField(_("customer-service secret"), max_length=128, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat Work credentials")
        verbose_name_plural = _("WeChat Work credentials")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="wechat_credentials_single_row")
        ]

    def __str__(self) -> str:
        return str(_("WeChat Work credentials"))

    def clean(self) -> None:
        if self.aes_key and not aes_key_valid(self.aes_key):
            raise ValidationError(
                {"aes_key": _("The EncodingAESKey is 43 characters from WeChat Work's console.")}
            )
