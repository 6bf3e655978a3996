from django.contrib import admin, messages
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sla import config_services as services
from sla.config import calendar_gaps_ahead
from sla.models import CalendarDay, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """One row per tier; a saved change applies to deadlines computed from then on."""

    list_display = ("tier", "clock", "first_contact_minutes", "resolve_minutes", "progress_minutes")
    fields = ("tier", "clock", "first_contact_minutes", "resolve_minutes", "progress_minutes")

    def get_readonly_fields(self, request, obj=None):
        # A row is its tier's policy: retarget it, never turn it into another tier's.
        return ("tier",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        services.sla_policy_save(policy=obj)

    def has_delete_permission(self, request, obj=None):
        # A tier without a row silently falls back to the built-in targets: edit, don't delete.
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Holidays and make-up days; a saved day is the administrator's and outranks the package."""

    list_display = ("date", "weekday", "is_working", "note", "source", "updated_at")
    list_filter = ("is_working", "source")
    date_hierarchy = "date"
    search_fields = ("note",)
    fields = ("date", "is_working", "note", "source")
    readonly_fields = ("source",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarDay) -> str:
        return formats.date_format(obj.date, "D")

    def changelist_view(self, request, extra_context=None):
        gaps = calendar_gaps_ahead(timezone.now())
        if gaps:
            years = ", ".join(str(year) for year in gaps)
            self.message_user(
                request,
                _(
                    "No holiday data for %(years)s: deadlines there assume Monday to Friday. "
                    "Add the official schedule's holidays and make-up days."
                )
                % {"years": years},
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        services.calendar_day_save(day=obj)

    def has_delete_permission(self, request, obj=None):
        # The next package load would bring a deleted package day back: correct it instead.
        if obj is not None and obj.source != CalendarDay.Source.ADMIN:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj)

    def delete_queryset(self, request, queryset):
        kept = 0
        for day in queryset:
            if day.source == CalendarDay.Source.ADMIN:
                services.calendar_day_delete(day=day)
            else:
                kept += 1
        if kept:
            self.message_user(
                request,
                ngettext(
                    "%(count)d package day was kept: correct it instead of deleting it.",
                    "%(count)d package days were kept: correct them instead of deleting them.",
                    kept,
                )
                % {"count": kept},
                level=messages.WARNING,
            )
