"""Reads for the ticket page an agent works in: history, open work, canned replies, timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from feedback.models import CustomerMessage, WarrantyPromise
from feedback.wording import PLACEHOLDER, message_context
from tickets.models import (
    Macro,
    MailIn,
    ProductCategory,
    SubTask,
    Tag,
    Ticket,
    TicketEvent,
    User,
    Visit,
)
from tickets.selectors.core import ticket_timeline, ticket_visible_to

HISTORY_LIMIT = 10


@dataclass(frozen=True)
class CallerHistory:
    """The customer's other tickets this user may open, newest first, and how many exist."""

    tickets: list[Ticket]
    total: int

    @property
    def hidden(self) -> int:
        """Tickets of the customer's the user may not open (other teams'), or beyond the limit."""
        return max(self.total - len(self.tickets), 0)


def caller_history(*, ticket: Ticket, user: User, limit: int = HISTORY_LIMIT) -> CallerHistory:
    """Two queries: the visible earlier and later tickets of this customer, and their count."""
    others = Ticket.objects.filter(customer_id=ticket.customer_id).exclude(pk=ticket.pk)
    visible = (
        ticket_visible_to(user=user)
        .filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("product")
        .order_by("-received_at")[:limit]
    )
    return CallerHistory(tickets=list(visible), total=others.count())


@dataclass(frozen=True)
class OpenWork:
    """What keeps a ticket from being resolved: work other people still have on it."""

    subtasks: list[SubTask] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    mail_ins: list[MailIn] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.subtasks or self.visits or self.mail_ins)

    def describe(self) -> list[str]:
        """One line per open item, in the agent's language."""
        lines = [
            _("%(kind)s to %(team)s (%(status)s)")
            % {"kind": s.get_kind_display(), "team": s.team, "status": s.get_status_display()}
            for s in self.subtasks
        ]
        lines += [
            _("On-site visit on %(date)s %(window)s (%(engineer)s)")
            % {
                "date": f"{visit.date:%Y-%m-%d}",
                "window": visit.get_window_display(),
                "engineer": visit.engineer,
            }
            for visit in self.visits
        ]
        lines += [
            _("Mail-in repair (%(status)s)") % {"status": mail_in.get_status_display()}
            for mail_in in self.mail_ins
        ]
        return lines


def ticket_open_work(*, ticket: Ticket) -> OpenWork:
    """Open sub-tasks, scheduled visits and the active mail-in repair: three small queries."""
    return OpenWork(
        subtasks=list(
            SubTask.objects.filter(ticket=ticket, status__in=SubTask.OPEN_STATUSES)
            .select_related("team")
            .order_by("requested_at")
        ),
        visits=list(
            Visit.objects.filter(ticket=ticket, status=Visit.Status.SCHEDULED).select_related(
                "engineer"
            )
        ),
        mail_ins=list(
            MailIn.objects.filter(ticket=ticket).exclude(
                status__in=[MailIn.Status.RETURNED, MailIn.Status.CANCELLED]
            )
        ),
    )


@dataclass(frozen=True)
class FilledMacro:
    pk: int
    title: str
    body: str


# Who "{owner_name}" is when nobody owns the ticket yet: the customer is told a role, not "".
OWNER_FALLBACK = "售后专员"


def macros_for_ticket(*, ticket: Ticket) -> list[FilledMacro]:
    """The active canned replies with {number} and {owner_name} filled in for this ticket.

    Other braces are left as written: a macro is a draft the agent reads and may edit.
    """
    values = message_context(ticket=ticket)
    values["owner_name"] = values["owner_name"] or OWNER_FALLBACK
    fillable = {"number", "owner_name"}

    def fill(match) -> str:
        name = match.group(1)
        return values[name] if name in fillable else match.group(0)

    return [
        FilledMacro(pk=macro.pk, title=macro.title, body=PLACEHOLDER.sub(fill, macro.body))
        for macro in Macro.objects.filter(is_active=True)
    ]


# What the warranty covers after a repair, offered as the resolve form's default when the
# product type has no WarrantyPromise row (feedback/0005 seeds the rows from these).
WARRANTY_NOTE_DEFAULTS = {
    ProductCategory.AIR_CONDITIONER: "维修后3个月内同一问题免费上门",
    ProductCategory.REFRIGERATOR: "维修后3个月内同一问题免费上门",
    ProductCategory.WASHING_MACHINE: "维修后3个月内同一问题免费上门",
    ProductCategory.WATER_HEATER: "维修后3个月内同一问题免费上门，并免费检测漏电保护",
    ProductCategory.RICE_COOKER: "维修后3个月内同一问题免费维修（寄修或到店）",
    ProductCategory.PRINTER: "维修后3个月内同一问题免费维修",
}
WARRANTY_NOTE_FALLBACK = "维修后3个月内同一问题免费维修"


def warranty_note_default(*, ticket: Ticket) -> str:
    """The product type's WarrantyPromise (edited in the admin), else the code's default."""
    category = ticket.product.category if ticket.product_id else None
    if category:
        promise = WarrantyPromise.objects.filter(category=category).values_list("text", flat=True)
        if text := promise.first():
            return text
    return WARRANTY_NOTE_DEFAULTS.get(category, WARRANTY_NOTE_FALLBACK)


def tags_addable() -> QuerySet[Tag]:
    """The active tags of the library, parents joined, in the order of their labels."""
    return (
        Tag.objects.filter(is_active=True).select_related("parent").order_by("parent__name", "name")
    )


def owners_assignable(*, ticket: Ticket, lead: User) -> QuerySet[User]:
    """Who a lead may make the owner: active members of the ticket's team (the lead's own
    teams while it has none) who work tickets (tickets.transition_ticket)."""
    permission = Permission.objects.filter(
        content_type__app_label="tickets", codename="transition_ticket"
    )
    teams = [ticket.team_id] if ticket.team_id else lead.teams.values("pk")
    works_tickets = (
        Q(is_superuser=True)
        | Q(user_permissions__in=permission)
        | Q(groups__permissions__in=permission)
    )
    return (
        User.objects.filter(is_active=True, teams__in=teams)
        .filter(works_tickets)
        .distinct()
        .order_by("display_name", "username")
    )


def timeline_for_ticket(*, ticket: Ticket) -> list[TicketEvent]:
    """Events oldest first, each MESSAGE event with the outbox row it queued (as `.message`,
    for its delivery status now): two queries however long the timeline."""
    events = list(ticket_timeline(ticket=ticket))
    messages = {
        message.pk: message
        for message in CustomerMessage.objects.filter(ticket=ticket).only(
            "pk", "status", "kind", "sent_at"
        )
    }
    for event in events:
        event.message = messages.get(event.payload.get("message_id"))
    return events
