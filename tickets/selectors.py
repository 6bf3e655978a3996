"""Reads on the ticket core, scoped to what the user may see in this one place."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from tickets.models import Ticket, TicketEvent, TicketTag, User

# Sorts tickets with no pending milestone after every real due time.
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)


def user_holds_permission(user: User, perm: str) -> bool:
    """One permission in one indexed statement, as ModelBackend would answer it.

    `user.has_perm` loads every permission the user has (two joined queries) and caches
    them on the request's user: right for pages that ask many times, wasteful on an API
    that asks once per request at intake rates (the ORM's join compilation alone costs
    more than the no-op request it is compared with).
    """
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    app_label, codename = perm.split(".", 1)
    tables = {
        "permission": Permission._meta.db_table,
        "content_type": ContentType._meta.db_table,
        "user_perms": User.user_permissions.through._meta.db_table,
        "user_groups": User.groups.through._meta.db_table,
        "group_perms": Group.permissions.through._meta.db_table,
    }
    sql = """
        SELECT 1 FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id
        WHERE ct.app_label = %s AND p.codename = %s AND (
            EXISTS (SELECT 1 FROM {user_perms} up
                    WHERE up.permission_id = p.id AND up.user_id = %s)
            OR EXISTS (SELECT 1 FROM {user_groups} ug
                       JOIN {group_perms} gp ON gp.group_id = ug.group_id
                       WHERE ug.user_id = %s AND gp.permission_id = p.id))
        LIMIT 1
    """.format(**tables)  # noqa: S608  table names from model metadata, values bound
    with connection.cursor() as cursor:
        cursor.execute(sql, [app_label, codename, user.pk, user.pk])
        return cursor.fetchone() is not None


def ticket_visibility(user: User) -> Q | None:
    """The tickets a user may see, as a filter; None means all of them."""
    if user.has_perm("tickets.view_all_tickets"):
        return None
    # Everyone sees the tickets they own or registered, whichever team triage routed them to.
    scope = Q(owner_id=user.pk) | Q(registered_by_id=user.pk)
    if user.has_perm("tickets.view_team_tickets"):
        # Unrouted tickets (no team yet) are everyone's intake queue until triaged.
        scope |= Q(team__in=user.teams.values("pk")) | Q(team__isnull=True)
    if user.has_perm("tickets.view_store_tickets") and user.store_id:
        scope |= Q(store_id=user.store_id)
    if user.has_perm("tickets.view_suggestion_tickets"):
        scope |= Q(category=Ticket.Category.SUGGESTION)
    return scope


def ticket_visible_to(*, user: User) -> QuerySet[Ticket]:
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    scope = ticket_visibility(user)
    queryset = Ticket.objects.all()
    return queryset if scope is None else queryset.filter(scope)


def with_due_key(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``due_key``: the nearest unmet SLA milestone (as Ticket.next_due_at), never null."""
    return queryset.annotate(
        due_key=Coalesce(
            Case(
                When(status=Ticket.Status.CLOSED, then=Value(None)),
                When(status=Ticket.Status.RESOLVED, then=F("callback_due_at")),
                When(first_contacted_at__isnull=True, then=F("first_contact_due_at")),
                default=F("resolve_due_at"),
            ),
            Value(NO_DUE),
        )
    )


def tags_prefetch() -> Prefetch:
    """A ticket's tags with their parents, in one query for any number of tickets."""
    return Prefetch("ticket_tags", queryset=TicketTag.objects.select_related("tag__parent"))


def ticket_list_for_user(*, user: User) -> QuerySet[Ticket]:
    """Tickets for lists and the API: related rows joined, tags prefetched (fixed query count)."""
    return with_due_key(
        ticket_visible_to(user=user)
        .select_related("customer", "product", "team", "owner", "store")
        .prefetch_related(tags_prefetch())
    )


def ticket_get_for_user(*, user: User, number: str) -> Ticket:
    """Raise Ticket.DoesNotExist alike for missing tickets and for those the user may not see."""
    return ticket_list_for_user(user=user).get(number=number)


def ticket_timeline(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").order_by("at", "pk")


def auto_tag_precision(*, since: datetime | None = None) -> dict[str, float | int | None]:
    """Of the automatic tags a person reviewed, the share they confirmed."""
    reviewed = TicketTag.objects.filter(source=TicketTag.Source.AUTO).exclude(
        state=TicketTag.State.SUGGESTED
    )
    if since is not None:
        reviewed = reviewed.filter(reviewed_at__gte=since)
    counts = reviewed.aggregate(
        reviewed=Count("pk"), confirmed=Count("pk", filter=Q(state=TicketTag.State.CONFIRMED))
    )
    total = counts["reviewed"]
    return {
        "reviewed": total,
        "confirmed": counts["confirmed"],
        "precision": round(counts["confirmed"] / total, 4) if total else None,
    }
