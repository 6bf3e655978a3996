from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from tickets.models import (
    EngineerProfile,
    Macro,
    MailIn,
    Product,
    Store,
    SubTask,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    Transfer,
    User,
    Visit,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("After-sales"), {"fields": ("display_name", "store", "teams")}),
    )
    list_display = ("username", "display_name", "store", "is_active", "is_staff")
    list_filter = ("groups", "store", "teams", "is_active")
    filter_horizontal = ("groups", "user_permissions", "teams")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "auto_assign")
    search_fields = ("name", "code")


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "city")
    search_fields = ("code", "name", "city")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("model_code", "name", "category", "warranty_months")
    list_filter = ("category",)
    search_fields = ("model_code", "name")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """The tag library: triage picks up a saved change on its next call (see intake.triage)."""

    list_display = ("__str__", "code", "tier", "category", "team", "is_active", "updated_at")
    list_filter = ("is_active", "tier", "category", "team", "parent")
    search_fields = ("name", "code", "keywords")
    list_select_related = ("parent", "team")
    fields = ("parent", "name", "code", "keywords", "tier", "category", "team", "is_active")


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "verb", "from_status", "to_status", "payload")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: status changes go through the state machine, not a form field."""

    list_display = ("number", "channel", "tier", "category", "status", "team", "received_at")
    list_filter = ("channel", "tier", "category", "status", "team")
    search_fields = ("number",)
    list_select_related = ("team",)
    inlines = [TicketEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Canned replies agents pick on the ticket page; {number} and {owner_name} fill in."""

    list_display = ("title", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "body")
    fields = ("title", "body", "position", "is_active")


@admin.register(EngineerProfile)
class EngineerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "skills", "areas", "daily_capacity", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__display_name")  # ArrayField has no icontains


# Status is read-only: a change in the admin would skip the service and its event.
@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("ticket", "date", "window", "engineer", "city", "district", "status")
    list_filter = ("status", "window")
    date_hierarchy = "date"
    search_fields = ("ticket__number", "engineer__username", "engineer__display_name")
    raw_id_fields = ("ticket", "engineer", "scheduled_by")
    readonly_fields = (
        "status",
        "starts_at",
        "ends_at",
        "scheduled_at",
        "completed_at",
        "updated_at",
    )


@admin.register(MailIn)
class MailInAdmin(admin.ModelAdmin):
    list_display = ("ticket", "status", "inbound_tracking", "outbound_tracking", "started_at")
    list_filter = ("status",)
    search_fields = ("ticket__number", "inbound_tracking", "outbound_tracking")
    raw_id_fields = ("ticket", "started_by")
    readonly_fields = (
        "status",
        "started_at",
        "shipped_at",
        "received_at",
        "repaired_at",
        "returned_at",
        "updated_at",
    )


@admin.register(SubTask)
class SubTaskAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "team", "assignee", "status", "due_at")
    list_filter = ("kind", "status", "team")
    search_fields = ("ticket__number", "part_code")
    raw_id_fields = ("ticket", "assignee", "requested_by")
    readonly_fields = ("status", "requested_at", "started_at", "done_at", "updated_at")


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    list_display = ("ticket", "from_team", "to_team", "status", "requested_at", "decided_at")
    list_filter = ("status", "to_team")
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket", "requested_by", "decided_by")
    readonly_fields = ("status", "requested_at", "decided_by", "decided_at")
