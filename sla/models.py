"""SLA policies per tier and the working-day calendar their business clocks count on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

# One working day of the business clock: 09:00–18:00 (the "9 business hours").
WORKING_DAY_MINUTES = 9 * 60


class SlaPolicy(models.Model):
    """One row per tier. Targets are minutes: wall-clock minutes on the 24×7 clock, business
    minutes (office hours on working days) on the business clock."""

    class Clock(models.TextChoices):
        ROUND_THE_CLOCK = "24x7", _("24×7 (wall clock)")
        BUSINESS = "business", _("Business hours on working days")

    TARGET_FIELDS = ("first_contact_minutes", "resolve_minutes", "progress_minutes")

    tier = models.CharField(_("tier"), max_length=2, choices=Ticket.Tier.choices, unique=True)
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices)
    first_contact_minutes = models.IntegerField(
        _("first contact target"),
        help_text=_("Minutes on the policy's clock; one working day is 540 business minutes."),
    )
    resolve_minutes = models.IntegerField(
        _("resolution target"),
        null=True,
        blank=True,
        help_text=_("Minutes on the policy's clock; empty: no resolution target."),
    )
    progress_minutes = models.IntegerField(
        _("progress update interval"),
        null=True,
        blank=True,
        help_text=_("Minutes between progress messages to the customer; empty: none."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ("tier",)
        constraints = [
            # The admin's clean() says which field; this keeps any other writer honest.
            models.CheckConstraint(
                condition=models.Q(first_contact_minutes__gt=0)
                & (models.Q(resolve_minutes__isnull=True) | models.Q(resolve_minutes__gt=0))
                & (models.Q(progress_minutes__isnull=True) | models.Q(progress_minutes__gt=0)),
                name="sla_policy_targets_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} ({self.get_clock_display()})"

    def clean(self) -> None:
        """A zero or negative target would make every ticket overdue the moment it arrives."""
        errors = {}
        for name in self.TARGET_FIELDS:
            value = getattr(self, name)
            if value is not None and value <= 0:
                field = self._meta.get_field(name).verbose_name
                errors[name] = _("%(field)s must be more than zero minutes.") % {
                    "field": str(field).capitalize()
                }
        if errors:
            raise ValidationError(errors)


class CalendarDay(models.Model):
    """A day whose working status differs from Monday–Friday, or is stated for the record:
    statutory holidays (off) and make-up weekend days (调休, on). Days without a row follow
    Monday–Friday. A year counts as covered once it has any row (see sla.calendar)."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        ADMIN = "admin", _("Corrected by an administrator")

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    # Admin rows are never overwritten by a later package load.
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ("-date",)

    def __str__(self) -> str:
        kind = _("working day") if self.is_working else _("day off")
        return f"{self.date:%Y-%m-%d} {kind}" + (f" ({self.note})" if self.note else "")
