"""Admin for the knowledge base and the improvement loop.

Articles are written, versioned and indexed through their pages (knowledge.services.articles):
here they are read, with their versions, and published or retired by action through the same
services. Synonym groups are edited here (search rereads them on its next call; the articles are
re-indexed by the worker). The loop's
records are read-only: their changes go through the loop's pages and services.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from knowledge import tasks
from knowledge.models import (
    Alert,
    Article,
    ArticleUse,
    ArticleVersion,
    ImprovementPlan,
    MonthlyReport,
    PlanAction,
    PlanApproval,
    ProblemReport,
    SynonymGroup,
    Verification,
)
from knowledge.services.articles import article_publish, article_retire
from tickets.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by who may view the model; changed only through the product's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ArticleVersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ("number", "title", "audience", "note", "edited_by", "edited_at")
    readonly_fields = fields
    ordering = ("-number",)


def _status_action(modeladmin, request, queryset, service, done: str) -> None:
    changed = 0
    for article in queryset:
        try:
            service(article=article, actor=request.user, now=timezone.now())
        except DomainError as exc:
            modeladmin.message_user(request, str(exc), messages.ERROR)
            return
        changed += 1
    modeladmin.message_user(request, done % {"count": changed}, messages.SUCCESS)


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "status",
        "audience",
        "version",
        "solved_count",
        "deflected_count",
        "updated_at",
    )
    list_filter = ("status", "audience", "products", "tags")
    search_fields = ("title", "problem", "solution")
    date_hierarchy = "updated_at"
    exclude = ("search_vector",)
    inlines = (ArticleVersionInline,)
    actions = ("publish", "retire")

    def view_on_site(self, obj):
        return reverse("knowledge:article_detail", args=[obj.pk])

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request, queryset):
        done = ngettext(
            "%(count)d article published.", "%(count)d articles published.", queryset.count()
        )
        _status_action(self, request, queryset, article_publish, done)

    @admin.action(description=_("Retire the selected articles"))
    def retire(self, request, queryset):
        done = ngettext(
            "%(count)d article retired.", "%(count)d articles retired.", queryset.count()
        )
        _status_action(self, request, queryset, article_retire, done)


@admin.register(ArticleUse)
class ArticleUseAdmin(ReadOnlyAdmin):
    list_display = ("article", "kind", "ticket", "actor", "at")
    list_filter = ("kind",)
    list_select_related = ("article", "ticket", "actor")
    date_hierarchy = "at"


@admin.register(SynonymGroup)
class SynonymGroupAdmin(admin.ModelAdmin):
    """Words that mean one thing to the search (甩干 = 脱水); a save counts from the next search."""

    list_display = ("__str__", "note", "updated_at")
    search_fields = ("note",)
    fields = ("words", "note")

    # Searches expand the new words at once; the articles' vectors keep them whole only once
    # re-indexed, which the worker does after the change commits.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(tasks.articles_reindex.delay)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(tasks.articles_reindex.delay)


@admin.register(ProblemReport)
class ProblemReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "product", "batch", "tag", "root_cause_class", "status", "created_at")
    list_filter = ("status", "root_cause_class", "product")
    list_select_related = ("product", "tag__parent")
    search_fields = ("title", "batch", "evidence")
    date_hierarchy = "created_at"


class PlanActionInline(ReadOnlyInline):
    model = PlanAction
    fields = ("term", "kind", "description", "owner", "due_on", "status", "done_at")
    readonly_fields = fields


class PlanApprovalInline(ReadOnlyInline):
    model = PlanApproval
    fields = ("role", "decision", "approver", "note", "decided_at")
    readonly_fields = fields


class VerificationInline(ReadOnlyInline):
    model = Verification
    fields = ("kind", "passed", "note", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdmin):
    list_display = ("report", "status", "created_at", "adopted_at", "shipped_at")
    list_filter = ("status",)
    list_select_related = ("report",)
    search_fields = ("summary", "report__title")
    inlines = (PlanActionInline, PlanApprovalInline, VerificationInline)


@admin.register(PlanAction)
class PlanActionAdmin(ReadOnlyAdmin):
    list_display = ("description", "plan", "term", "kind", "owner", "due_on", "status")
    list_filter = ("status", "term", "kind")
    list_select_related = ("plan__report", "owner")


@admin.register(PlanApproval)
class PlanApprovalAdmin(ReadOnlyAdmin):
    list_display = ("plan", "role", "decision", "approver", "decided_at")
    list_filter = ("role", "decision")
    list_select_related = ("plan__report", "approver")


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ("plan", "kind", "passed", "recorded_by", "recorded_at")
    list_filter = ("kind", "passed")
    list_select_related = ("plan__report", "recorded_by")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "rule",
        "product",
        "batch",
        "tag",
        "count",
        "baseline",
        "period_start",
        "acknowledged_at",
    )
    list_filter = ("kind", "rule", "product")
    list_select_related = ("product", "tag__parent")
    date_hierarchy = "period_start"


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "generated_at")
    date_hierarchy = "month"
