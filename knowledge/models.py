"""The knowledge base (problem → cause → solution) and the product-improvement loop (seed 004).

Articles are searched through `search_vector`, a tsvector of jieba's words (PostgreSQL has no
Chinese parser; `knowledge.search` fills and queries it). The loop: an alert or a product
manager opens a ProblemReport over the tickets it covers, an ImprovementPlan of short- and
long-term actions is adopted only when the three approving roles each approve, verified, and
when the fix ships every customer of the report's tickets is told.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Product, Tag, Ticket

USER = settings.AUTH_USER_MODEL


class Article(models.Model):
    class Audience(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        PUBLIC = "public", _("Public")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    products = models.ManyToManyField(
        Product, verbose_name=_("product models"), blank=True, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # The current version's number; every save of the text writes an ArticleVersion.
    version = models.PositiveIntegerField(_("version"), default=1)
    source_ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("written from ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_written",
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        USER, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Effectiveness: tickets an agent marked solved by it, and customers it spared a ticket.
    solved_count = models.PositiveIntegerField(_("tickets solved"), default=0)
    deflected_count = models.PositiveIntegerField(_("tickets avoided"), default=0)
    # jieba's words of title, problem, cause, solution and tags, weighted A-D (knowledge.search).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at"]
        permissions = [("publish_article", _("Can publish and retire articles"))]
        indexes = [
            # Search: search_vector @@ query.
            GinIndex(fields=["search_vector"], name="article_search_gin"),
            # The article list and the public search: status = published [and audience = public].
            models.Index(fields=["status", "audience"], name="article_status_audience"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """The text of one version of an article, as it was saved."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"))
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"))
    audience = models.CharField(_("audience"), max_length=10, choices=Article.Audience.choices)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    edited_by = models.ForeignKey(
        USER, verbose_name=_("edited by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleUse(models.Model):
    """An article that helped: an agent's "this solved it" on a ticket, or a deflection."""

    class Kind(models.TextChoices):
        SOLVED = "solved", _("Solved a ticket")
        DEFLECTED = "deflected", _("Customer solved it without a ticket")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="uses"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="article_uses",
    )
    actor = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # A deflection's browser (a hash, never the IP): one count per visitor and article.
    visitor = models.CharField(_("visitor"), max_length=64, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("article use")
        verbose_name_plural = _("article uses")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "ticket"],
                condition=Q(kind="solved"),
                name="article_use_solved_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["article", "visitor"],
                condition=Q(kind="deflected"),
                name="article_use_deflected_once_per_visitor",
            ),
            models.CheckConstraint(
                condition=Q(kind="solved", ticket__isnull=False)
                | Q(kind="deflected", ticket__isnull=True),
                name="article_use_kind_matches_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind}"


class SynonymGroup(models.Model):
    """Words customers and agents use for one thing (甩干 = 脱水), so search finds either."""

    words = ArrayField(models.CharField(max_length=30), verbose_name=_("words"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")

    def __str__(self) -> str:
        return " = ".join(self.words)


class ProblemReport(models.Model):
    """Seed 004's problem analysis: the tickets one problem covers, its root cause and evidence."""

    class RootCauseClass(models.TextChoices):
        DESIGN = "design", _("Design defect")
        COMPONENT = "component", _("Component batch")
        SOFTWARE = "software", _("Software bug")
        INSTALLATION = "installation", _("Installation")
        USAGE = "usage", _("Usage")
        UNKNOWN = "unknown", _("Not yet known")

    class Status(models.TextChoices):
        OPEN = "open", _("Under analysis")
        PLANNED = "planned", _("Plan in progress")
        FIXED = "fixed", _("Fix shipped")
        CLOSED = "closed", _("Closed without a fix")

    title = models.CharField(_("title"), max_length=200)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problem_reports",
    )
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    tag = models.ForeignKey(
        Tag,
        verbose_name=_("tag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problem_reports",
    )
    root_cause_class = models.CharField(
        _("root cause class"),
        max_length=20,
        choices=RootCauseClass.choices,
        default=RootCauseClass.UNKNOWN,
    )
    evidence = models.TextField(_("evidence"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("tickets"), blank=True, related_name="problem_reports"
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("knowledge article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_reports",
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("problem analysis report")
        verbose_name_plural = _("problem analysis reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ImprovementPlan(models.Model):
    """The fix for one report. Adopted only when every APPROVER_ROLES role has approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Awaiting approval")
        REJECTED = "rejected", _("Rejected")
        ADOPTED = "adopted", _("Adopted")
        VERIFIED = "verified", _("Verified")
        SHIPPED = "shipped", _("Fix released")

    report = models.OneToOneField(
        ProblemReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="plan"
    )
    summary = models.TextField(_("summary"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # What the customers of the report's tickets are told when the fix ships.
    customer_notice = models.TextField(_("message to customers"), blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        permissions = [
            ("approve_as_product_director", _("Can approve plans as product director")),
            ("approve_as_rnd_lead", _("Can approve plans as R&D lead")),
            ("approve_as_quality_lead", _("Can approve plans as quality lead")),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.get_status_display()}"


class PlanAction(models.Model):
    class Term(models.TextChoices):
        SHORT = "short", _("Short-term")
        LONG = "long", _("Long-term")

    class Kind(models.TextChoices):
        PATCH = "patch", _("Software patch")
        PART_REPLACEMENT = "part_replacement", _("Part replacement")
        RECALL = "recall", _("Recall")
        DESIGN_CHANGE = "design_change", _("Design change")
        SUPPLIER_CHANGE = "supplier_change", _("Supplier change")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(
        ImprovementPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="actions"
    )
    term = models.CharField(_("term"), max_length=5, choices=Term.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["plan", "term", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:50]


class PlanApproval(models.Model):
    class Role(models.TextChoices):
        # Each value names the permission `knowledge.approve_as_<value>`.
        PRODUCT_DIRECTOR = "product_director", _("Product director")
        RND_LEAD = "rnd_lead", _("R&D lead")
        QUALITY_LEAD = "quality_lead", _("Quality lead")

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    plan = models.ForeignKey(
        ImprovementPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="approvals"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    approver = models.ForeignKey(
        USER, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("plan approval")
        verbose_name_plural = _("plan approvals")
        constraints = [
            # One decision per role per proposal; proposing again clears the earlier ones.
            models.UniqueConstraint(fields=["plan", "role"], name="plan_approval_once_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.role} {self.decision}"


class Verification(models.Model):
    class Kind(models.TextChoices):
        INTERNAL_TEST = "internal_test", _("Internal test")
        BETA = "beta", _("Beta customers")

    plan = models.ForeignKey(
        ImprovementPlan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="verifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    passed = models.BooleanField(_("passed"))
    note = models.TextField(_("result"))
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        ordering = ["plan", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind} {self.passed}"


class Alert(models.Model):
    """A product model + batch, or a tag, with more tickets in a month than it should have."""

    class Kind(models.TextChoices):
        BATCH = "batch", _("Model and batch")
        TAG = "tag", _("Tag")

    class Rule(models.TextChoices):
        THRESHOLD = "threshold", _("Over the monthly threshold")
        SPIKE = "spike", _("Sharp rise against its baseline")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices)
    product = models.ForeignKey(
        Product,
        verbose_name=_("product model"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    batch = models.CharField(_("batch"), max_length=100, blank=True)
    tag = models.ForeignKey(
        Tag, verbose_name=_("tag"), null=True, blank=True, on_delete=models.CASCADE
    )
    # The window counted: [period_start, period_end).
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    count = models.PositiveIntegerField(_("tickets"))
    baseline = models.FloatField(_("baseline per window"), default=0)
    created_at = models.DateTimeField(_("raised at"))
    acknowledged_by = models.ForeignKey(
        USER,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    report = models.ForeignKey(
        ProblemReport,
        verbose_name=_("problem report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        constraints = [
            # A rerun of the check raises nothing new for the same subject and window.
            models.UniqueConstraint(
                fields=["kind", "rule", "product", "batch", "tag", "period_start"],
                name="alert_once_per_subject_window",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(kind="batch", product__isnull=False, tag__isnull=True)
                | Q(kind="tag", tag__isnull=False, product__isnull=True, batch=""),
                name="alert_subject_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.count}"


class MonthlyReport(models.Model):
    """The monthly feedback analysis (seed 004), a snapshot made on the 1st for the month before."""

    month = models.DateField(_("month"), unique=True)  # the month's first day
    data = models.JSONField(_("contents"))
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("monthly feedback report")
        verbose_name_plural = _("monthly feedback reports")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")
