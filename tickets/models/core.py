"""The ticket core: who complains, about what, and the one state machine a ticket lives by."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tickets import masking

# Sorts tickets with no pending milestone after every real due time.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


def due_key_expression() -> Coalesce:
    """The nearest unmet SLA milestone (as Ticket.next_due_at), never null.

    One definition for the list's ORDER BY and the index that serves it: PostgreSQL uses an
    expression index only when the query's expression is the same one.
    """
    return Coalesce(
        Case(
            When(status="closed", then=Value(None)),
            When(status="resolved", then=F("callback_due_at")),
            When(first_contacted_at__isnull=True, then=F("first_contact_due_at")),
            default=F("resolve_due_at"),
        ),
        Value(NO_DUE),
    )


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    auto_assign = models.BooleanField(
        _("auto-assign"), default=False, help_text=_("Give new tickets to an on-duty member.")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff user. Roles are groups; the store and teams scope what they may see."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="members"
    )
    on_duty = models.BooleanField(
        _("on duty"), default=True, help_text=_("Receives new tickets when a team auto-assigns.")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # E.164, normalised by tickets.phones; one customer per phone number.
    phone = models.CharField(_("phone"), max_length=20, unique=True)
    is_vip = models.BooleanField(_("VIP"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return masking.mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)


class ProductCategory(models.TextChoices):
    AIR_CONDITIONER = "air_conditioner", _("Air conditioner")
    REFRIGERATOR = "refrigerator", _("Refrigerator")
    WASHING_MACHINE = "washing_machine", _("Washing machine")
    WATER_HEATER = "water_heater", _("Water heater")
    RICE_COOKER = "rice_cooker", _("Rice cooker")
    PRINTER = "printer", _("Printer")
    OTHER = "other", _("Other")


class Product(models.Model):
    model_code = models.CharField(_("model code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(
        _("product category"), max_length=30, choices=ProductCategory.choices
    )
    warranty_months = models.PositiveSmallIntegerField(_("warranty (months)"), default=12)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["model_code"]

    def __str__(self) -> str:
        return f"{self.name} {self.model_code}"


class Tag(models.Model):
    """A node of the problem tag library, e.g. 质量故障 › 电机异响.

    Leaves carry the keywords triage matches; a blank tier or category is the parent's.
    """

    class Lazy:
        """Ticket is defined below this class: callables look its choices up when used."""

        @staticmethod
        def tiers() -> list[tuple[str, str]]:
            return Ticket.Tier.choices

        @staticmethod
        def categories() -> list[tuple[str, str]]:
            return Ticket.Category.choices

        @staticmethod
        def code() -> str:
            """A placeholder for a tag made outside the library; rename it in admin."""
            return f"tag-{uuid4().hex[:12]}"

    code = models.SlugField(_("code"), max_length=50, unique=True, default=Lazy.code)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("routes to team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Tickets with this tag go to this team."),
    )
    keywords = models.JSONField(
        _("keywords"),
        default=list,
        blank=True,
        help_text=_(
            "Words and synonyms that suggest this tag, e.g. 漏水, 渗水, 滴水. "
            "'a+b' needs both in one sentence; 're:' starts a regular expression for one word."
        ),
    )
    tier = models.CharField(
        _("tier"),
        max_length=2,
        choices=Lazy.tiers,
        blank=True,
        help_text=_("The least tier a match implies; blank: the parent's."),
    )
    category = models.CharField(
        _("problem category"),
        max_length=20,
        choices=Lazy.categories,
        blank=True,
        help_text=_("Blank: the parent's; blank on a top-level tag: no opinion (e.g. escalation)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Triage recompiles its matcher when the newest of these changes.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["parent_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="tag_unique_name_per_parent",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def effective_tier(self) -> str:
        return self.tier or (self.parent.tier if self.parent_id else "")

    @property
    def effective_category(self) -> str:
        return self.category or (self.parent.category if self.parent_id else "")


class Ticket(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("400 hotline")
        WEB = "web", _("Website form")
        WECHAT = "wechat", _("WeChat Work")
        STORE = "store", _("Store walk-in")

    class Tier(models.TextChoices):
        L1 = "L1", _("L1 urgent")
        L2 = "L2", _("L2 important")
        L3 = "L3", _("L3 normal")
        S = "S", _("Suggestion")

    class Category(models.TextChoices):
        INSTALLATION = "installation", _("Installation")
        QUALITY = "quality", _("Quality fault")
        USAGE = "usage", _("Product use")
        SERVICE = "service", _("Service attitude")
        SUGGESTION = "suggestion", _("Suggestion")

    class Urgency(models.TextChoices):
        LOW = "low", _("Not urgent")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("Urgent")

    class ConfirmedVia(models.TextChoices):
        READ_BACK = "read_back", _("Read back on the phone")
        PREVIEW = "preview", _("Customer preview")
        WECHAT_REPLY = "wechat_reply", _("WeChat reply")
        STORE = "store", _("Confirmed at the store")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING_PARTS = "waiting_parts", _("Waiting for parts")
        WAITING_TECHNICAL = "waiting_technical", _("Waiting for technical support")
        WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    class Resolution(models.TextChoices):
        REPAIRED = "repaired", _("Repaired")
        PART_REPLACED = "part_replaced", _("Part replaced")
        PRODUCT_REPLACED = "product_replaced", _("Product replaced")
        REFUNDED = "refunded", _("Refunded")
        INSTALLED = "installed", _("Installed or re-installed")
        ADVICE = "advice", _("Explained how to use it")
        NO_FAULT = "no_fault", _("No fault found")
        COMPENSATED = "compensated", _("Apology and compensation")
        OTHER = "other", _("Other")

    class RootCause(models.TextChoices):
        # Seed 004's classes, which the problem analysis report uses too.
        DESIGN = "design", _("Design defect")
        COMPONENT = "component", _("Component batch")
        SOFTWARE = "software", _("Software bug")
        INSTALLATION = "installation", _("Installation")
        USAGE = "usage", _("Usage")
        SERVICE = "service", _("Our service")
        UNKNOWN = "unknown", _("Not known")

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The channel's own id (call id, form submission id, WeChat msgid): retries hit the
    # unique constraint below and get the first ticket back.
    # NULL (not "") means "none": NULLs are exempt from the unique constraint.
    external_ref = models.CharField(  # noqa: DJ001
        _("external reference"), max_length=100, null=True, blank=True
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tickets"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    product_model_text = models.CharField(
        _("product model as given"),
        max_length=100,
        blank=True,
        help_text=_("What the customer called the product, kept when no model matched."),
    )
    batch = models.CharField(_("batch / serial"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)

    description = models.TextField(_("description"))
    scene = models.CharField(_("scene"), max_length=200, blank=True)
    symptom = models.CharField(_("symptom"), max_length=200, blank=True)
    frequency = models.CharField(_("frequency"), max_length=200, blank=True)
    tried = models.CharField(_("what was tried"), max_length=200, blank=True)
    description_confirmed = models.BooleanField(_("description confirmed"), default=False)
    confirmed_via = models.CharField(
        _("confirmed via"), max_length=20, choices=ConfirmedVia.choices, blank=True
    )
    customer_urgency = models.CharField(
        _("customer's urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )

    tier = models.CharField(_("tier"), max_length=2, choices=Tier.choices, default=Tier.L3)
    # Why triage chose the tier, category and tags, e.g. "匹配'漏电' → 安全隐患 → L1".
    triage_reasons = models.JSONField(_("triage reasons"), default=list, blank=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
        help_text=_("The same customer's earlier ticket on the same product within 30 days."),
    )
    category = models.CharField(
        _("problem category"), max_length=20, choices=Category.choices, default=Category.QUALITY
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), through="TicketTag", blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_tickets",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_tickets",
        help_text=_("The staff member who took the complaint; empty for self-service channels."),
    )
    store = models.ForeignKey(
        Store,
        verbose_name=_("store"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )

    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # SLA milestones: due times are set at intake (the sla app owns the arithmetic), the
    # "…_at" facts by the transitions that meet them.
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    next_progress_due_at = models.DateTimeField(
        _("next progress update due"), null=True, blank=True
    )
    callback_due_at = models.DateTimeField(_("satisfaction callback due"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Accepted transfers to another team: the "ball-kicking" figure managers watch.
    transfer_count = models.PositiveSmallIntegerField(_("times transferred"), default=0)

    # How it ended (ticket_resolve): the resolution notice and the improvement loop read these.
    resolution_code = models.CharField(
        _("resolution"), max_length=20, choices=Resolution.choices, blank=True
    )
    root_cause = models.CharField(
        _("root cause"), max_length=20, choices=RootCause.choices, blank=True
    )
    resolution_note = models.TextField(_("what was done"), blank=True)
    warranty_note = models.CharField(_("what the warranty now covers"), max_length=300, blank=True)
    # What the SLA sweep (sla.services.sla_sweep) keeps besides the due times: when the owner
    # is warned (80 % of a target, on the target's own clock), and what it has already done.
    # The markers are facts that make a rerun a no-op; a reopen or a tier change clears them.
    first_contact_warn_at = models.DateTimeField(
        _("first contact warning at"), null=True, blank=True
    )
    resolve_warn_at = models.DateTimeField(_("resolution warning at"), null=True, blank=True)
    first_contact_warned_at = models.DateTimeField(
        _("owner warned of first contact at"), null=True, blank=True
    )
    resolve_warned_at = models.DateTimeField(
        _("owner warned of resolution at"), null=True, blank=True
    )
    first_contact_breached_at = models.DateTimeField(
        _("first contact breached at"), null=True, blank=True
    )
    resolve_breached_at = models.DateTimeField(_("resolution breached at"), null=True, blank=True)
    callback_queued_at = models.DateTimeField(_("callback task created at"), null=True, blank=True)
    # Waiting on the customer stops every clock; resuming pushes the due times back.
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("time paused (seconds)"), default=0)
    # The earliest checkpoint the sweep has yet to act on (sla_next_check); NULL: none.
    sla_next_check_at = models.DateTimeField(_("next SLA check at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                name="ticket_unique_external_ref_per_channel",
                condition=Q(external_ref__isnull=False),
            ),
            models.CheckConstraint(
                condition=~Q(description_confirmed=True) | ~Q(confirmed_via=""),
                name="ticket_confirmed_says_how",
            ),
        ]
        indexes = [
            # The queues: open tickets by nearest due time (tickets.selectors.ticket_list_for_user).
            models.Index(fields=["status", "first_contact_due_at"], name="ticket_status_fc_due"),
            models.Index(fields=["status", "resolve_due_at"], name="ticket_status_resolve_due"),
            # Team and store scoping in ticket_visible_to.
            models.Index(fields=["team", "status"], name="ticket_team_status"),
            models.Index(fields=["store", "status"], name="ticket_store_status"),
            # The caller's history on intake.
            models.Index(fields=["customer", "-received_at"], name="ticket_customer_received"),
            # The queues' keyset pages: ORDER BY due_key, id (tickets.selectors.ticket_queue_page)
            # for "All", "My team" and "Breaching soon", and "My tickets" by owner first.
            models.Index(due_key_expression(), F("id"), name="ticket_due_key"),
            models.Index(F("owner"), due_key_expression(), F("id"), name="ticket_owner_due_key"),
            # Reports by receipt window (the SLA dashboard's 30 days, its daily trend).
            models.Index(fields=["received_at"], name="ticket_received"),
            # The SLA sweep: WHERE sla_next_check_at <= now. Partial, so it holds only tickets
            # with a pending checkpoint and the sweep's cost follows the due rows, not open ones.
            models.Index(
                fields=["sla_next_check_at"],
                name="ticket_sla_next_check",
                condition=Q(sla_next_check_at__isnull=False),
            ),
        ]
        permissions = [
            ("view_all_tickets", _("Can see every ticket")),
            ("view_team_tickets", _("Can see the tickets of own teams and unrouted ones")),
            ("view_store_tickets", _("Can see the tickets of own store")),
            ("view_suggestion_tickets", _("Can see suggestion tickets")),
            ("reveal_customer", _("Can reveal a customer's name and phone (audited)")),
            ("transition_ticket", _("Can move a ticket through its lifecycle")),
            ("work_subtask", _("Can work the sub-tasks sent to own teams")),
            ("do_visits", _("Can do on-site visits (the engineer's day)")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def next_due_at(self) -> datetime | None:
        """The nearest SLA milestone not yet met."""
        if self.status in {self.Status.RESOLVED, self.Status.CLOSED}:
            return self.callback_due_at if self.status == self.Status.RESOLVED else None
        if self.first_contacted_at is None:
            return self.first_contact_due_at
        return self.resolve_due_at

    @property
    def has_unknown_product(self) -> bool:
        """The customer named a model we do not know: an agent must link the product."""
        return self.product_id is None and bool(self.product_model_text)

    def sla_target_pending(self, target: str) -> bool:
        """Whether a target ("first_contact" or "resolve") is still to be met."""
        if self.status not in OPEN_STATUSES:
            return False
        return target != "first_contact" or self.first_contacted_at is None

    def sla_next_check(self) -> datetime | None:
        """The earliest checkpoint still to act on: a warning, a breach, a progress update or
        the satisfaction callback. None while paused (no clock runs) or when nothing is left."""
        if self.paused_at is not None:
            return None
        pending: list[datetime | None] = []
        if self.status == self.Status.RESOLVED and self.callback_queued_at is None:
            pending.append(self.callback_due_at)
        for target in SLA_TARGETS:
            if self.sla_target_pending(target) and not getattr(self, f"{target}_breached_at"):
                pending.append(getattr(self, f"{target}_due_at"))
                if not getattr(self, f"{target}_warned_at"):
                    pending.append(getattr(self, f"{target}_warn_at"))
        if self.status in OPEN_STATUSES:
            pending.append(self.next_progress_due_at)
        return min((moment for moment in pending if moment is not None), default=None)

    @property
    def warranty_ends_on(self) -> date | None:
        """The last day the product's warranty covers, counted from the purchase day (三包):
        the day before the anniversary Product.warranty_months later. None when unknown."""
        if self.purchase_date is None or self.product is None:
            return None
        bought = self.purchase_date
        months = bought.month - 1 + self.product.warranty_months
        year, month = bought.year + months // 12, months % 12 + 1
        last_day = calendar.monthrange(year, month)[1]
        if bought.day > last_day:
            # No such day that month (bought on 29 February, say): the anniversary is the
            # first of the next month, so the warranty covers the whole month.
            return date(year, month, last_day)
        return date(year, month, bought.day) - timedelta(days=1)

    def warranty_status(self, today: date) -> str:
        """One of in_warranty (through warranty_ends_on), expired, no_purchase_date and
        no_product (an unknown model has no warranty period)."""
        if self.product is None:
            return "no_product"
        ends_on = self.warranty_ends_on
        if ends_on is None:
            return "no_purchase_date"
        return "in_warranty" if today <= ends_on else "expired"

    def is_overdue(self, now: datetime) -> bool:
        due = self.next_due_at
        return due is not None and due < now

    def sla_state(self, now: datetime) -> str:
        """none, on_time, at_risk (under a quarter of the window left) or breached."""
        due = self.next_due_at
        if due is None:
            return "none"
        if due < now:
            return "breached"
        return "at_risk" if (due - now) * 4 < (due - self.received_at) else "on_time"


class TicketTag(models.Model):
    """A tag on a ticket. Automatic ones stay *suggested* until a person reviews them; the
    review is kept (not deleted) so the precision of automatic tagging can be reported."""

    class Source(models.TextChoices):
        AUTO = "auto", _("Matched automatically")
        AGENT = "agent", _("Added by a person")

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ticket_tags")
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="ticket_tags")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SUGGESTED
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket tag")
        verbose_name_plural = _("ticket tags")
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="ticket_tag_unique")]

    def __str__(self) -> str:
        return str(self.tag)


def attachment_path(instance: Attachment, filename: str) -> str:
    # A random name: the customer's file name may carry personal data and is kept in the row.
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"attachments/{instance.ticket_id}/{uuid4().hex}.{suffix}"


class Attachment(models.Model):
    """A photo of the product label or the fault, or a PDF (receipt, report)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("original name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # Photos an engineer took on a visit (the work done, the part replaced).
    visit = models.ForeignKey(
        "tickets.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="photos",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class TicketEvent(models.Model):
    """A line of the timeline and the audit trail, written in the same transaction as the change."""

    class Verb(models.TextChoices):
        CREATED = "created", _("created")
        TRANSITIONED = "transitioned", _("changed status")
        CUSTOMER_REVEALED = "customer_revealed", _("revealed the customer's contact")
        NOTE = "note", _("added a note")
        ASSIGNED = "assigned", _("assigned")
        MESSAGE = "message", _("messaged the customer")
        CALL = "call", _("logged a call")
        ATTACHMENT_ADDED = "attachment_added", _("attached a file")
        TAG_REVIEWED = "tag_reviewed", _("reviewed a tag")
        SLA_WARNED = "sla_warned", _("warned the owner of a deadline")
        SLA_BREACHED = "sla_breached", _("escalated a missed deadline")
        PROGRESS_DUE = "progress_due", _("reminded the owner of a progress update")
        CALLBACK_DUE = "callback_due", _("created the satisfaction callback")
        TIER_CHANGED = "tier_changed", _("changed the tier")
        DEADLINE_EXTENDED = "deadline_extended", _("extended a deadline")
        TAG_ADDED = "tag_added", _("added a tag")
        SUBTASK = "subtask", _("updated a sub-task")
        TRANSFER = "transfer", _("updated a transfer")
        VISIT = "visit", _("updated an on-site visit")
        MAIL_IN = "mail_in", _("updated a mail-in repair")
        SURVEY_ANSWERED = "survey_answered", _("answered the satisfaction survey")
        CALLBACK_DONE = "callback_done", _("recorded the satisfaction callback")
        SECOND_HANDLING = "second_handling", _("sent the ticket to second handling")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("verb"), max_length=30, choices=Verb.choices)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            # The timeline: a ticket's events in order (tickets.selectors.ticket_timeline).
            models.Index(fields=["ticket", "at"], name="ticket_event_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.verb} {self.at:%Y-%m-%d %H:%M}"


S = Ticket.Status
# The lifecycle: new → contacted → in_progress ⇄ waiting_* → resolved → closed, and
# resolved → reopened (second handling) → in_progress. Nothing else is legal.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.CONTACTED}),
    S.CONTACTED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset(
        {S.WAITING_PARTS, S.WAITING_TECHNICAL, S.WAITING_CUSTOMER, S.RESOLVED}
    ),
    S.WAITING_PARTS: frozenset({S.IN_PROGRESS}),
    S.WAITING_TECHNICAL: frozenset({S.IN_PROGRESS}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
    S.REOPENED: frozenset({S.IN_PROGRESS}),
}
OPEN_STATUSES = frozenset(set(S.values) - {S.RESOLVED, S.CLOSED})
# The targets the SLA sweep enforces; each has <target>_due_at, _warn_at, _warned_at and
# _breached_at columns on Ticket.
SLA_TARGETS = ("first_contact", "resolve")


class SavedFilter(models.Model):
    """A user's named query string for the ticket list, shown as one more queue tab."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(_("query"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
