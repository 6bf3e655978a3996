"""Work around one ticket that keeps its one owner: sub-tasks, transfers, visits, mail-in.

The owner stays accountable while other departments help: the warehouse sends a part and
technical support answers a question as sub-tasks; another team takes the ticket only by
accepting a transfer; engineers visit on site; a product can travel for repair (寄修).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tickets.models.core import ProductCategory, Team, Ticket


class SubTask(models.Model):
    """A request from the ticket's owner to another team, with its own assignee and clock."""

    class Kind(models.TextChoices):
        PARTS = "parts", _("Parts request")
        TECHNICAL = "technical", _("Technical consultation")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = frozenset({Status.OPEN, Status.IN_PROGRESS})

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="subtasks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="subtasks"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtasks",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    request = models.TextField(_("what is needed"))
    # For a parts request: the part and how many.
    part_code = models.CharField(_("part code"), max_length=60, blank=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("due"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sub-task")
        verbose_name_plural = _("sub-tasks")
        indexes = [
            # The receiving team's queue: its open sub-tasks by due time.
            models.Index(fields=["team", "status", "due_at"], name="subtask_team_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Transfer(models.Model):
    """A request to move a ticket to another team; ownership moves only when it is accepted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the team")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Withdrawn")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_team = models.ForeignKey(
        Team,
        verbose_name=_("from team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_team = models.ForeignKey(
        Team, verbose_name=_("to team"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_ticket",
            ),
        ]
        indexes = [
            # The receiving team's inbox of transfers to accept or decline.
            models.Index(fields=["to_team", "status"], name="transfer_team_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} → {self.to_team}"


class EngineerProfile(models.Model):
    """What an on-site engineer can repair and where they go."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.CASCADE,
        related_name="engineer_profile",
    )
    skills = ArrayField(
        models.CharField(max_length=30, choices=ProductCategory.choices),
        verbose_name=_("skills (product categories)"),
        default=list,
        blank=True,
    )
    # "上海/徐汇区" for one district, "上海" for a whole city (as Store.city and Visit.city).
    areas = ArrayField(
        models.CharField(max_length=60),
        verbose_name=_("service areas"),
        default=list,
        blank=True,
        help_text=_("City, or city/district, e.g. 上海/徐汇区."),
    )
    daily_capacity = models.PositiveSmallIntegerField(_("visits per day"), default=4)
    is_active = models.BooleanField(_("takes visits"), default=True)

    class Meta:
        verbose_name = _("engineer profile")
        verbose_name_plural = _("engineer profiles")

    def __str__(self) -> str:
        return str(self.user)


class Visit(models.Model):
    """An on-site appointment: who, where, in which time window, and what came of it."""

    class Window(models.TextChoices):
        MORNING = "morning", _("09:00–12:00")
        AFTERNOON = "afternoon", _("13:00–17:00")
        EVENING = "evening", _("18:00–21:00")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        NOT_DONE = "not_done", _("Could not be done")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="visits"
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("engineer"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    date = models.DateField(_("date"))
    window = models.CharField(_("time window"), max_length=20, choices=Window.choices)
    # The window in absolute time (Asia/Shanghai), for ordering, messages and the day's list.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    work_done = models.TextField(_("work done"), blank=True)
    parts_used = models.CharField(_("parts used"), max_length=300, blank=True)
    customer_confirmed = models.BooleanField(_("confirmed by the customer"), default=False)
    outcome_note = models.CharField(_("note"), max_length=500, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("on-site visit")
        verbose_name_plural = _("on-site visits")
        ordering = ["starts_at"]
        indexes = [
            # The engineer's day (their visits by start) and the load used for suggestions.
            models.Index(fields=["engineer", "starts_at"], name="visit_engineer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.date:%Y-%m-%d} {self.get_window_display()}"


class MailIn(models.Model):
    """A mail-in repair (寄修): the product travels to the repair centre and back."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Waiting for the customer to ship")
        SHIPPED = "shipped", _("Shipped by the customer")
        RECEIVED = "received", pgettext_lazy("mail-in", "Received")
        REPAIRED = "repaired", _("Repaired")
        RETURNED = "returned", _("Returned to the customer")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="mail_ins"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AWAITING
    )
    return_address = models.CharField(_("return address"), max_length=200)
    inbound_tracking = models.CharField(_("tracking number in"), max_length=50, blank=True)
    outbound_tracking = models.CharField(_("tracking number back"), max_length=50, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    repaired_at = models.DateTimeField(_("repaired at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("mail-in repair")
        verbose_name_plural = _("mail-in repairs")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(status__in=["returned", "cancelled"]),
                name="mail_in_one_active_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.get_status_display()}"


class DutyShift(models.Model):
    """One member on one team's roster for one day; auto-assignment picks from today's."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        constraints = [
            models.UniqueConstraint(fields=["team", "user", "date"], name="duty_shift_unique"),
        ]
        indexes = [
            # Intake's auto-assignment: who of this team is on today's roster.
            models.Index(fields=["team", "date"], name="duty_shift_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.date:%Y-%m-%d} {self.user}"


class Macro(models.Model):
    """A canned reply (常用回复) an agent sends or adapts; {number} and {owner_name} fill in."""

    title = models.CharField(_("title"), max_length=60, unique=True)
    body = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title
