"""Reads on the ticket core, scoped to what the user may see in this one place."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from aftersales.db import PreparedStatement
from tickets.models import (
    OPEN_STATUSES,
    SavedFilter,
    Store,
    SubTask,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
    Transfer,
    User,
    Visit,
    due_key_expression,
)

# Permission ids by (app_label, codename): rows made once by migrate, so looking them up on
# every API request would plan a five-table join each time. A kept id can go stale (the
# row deleted and made again, or a change rolled back): it then matches nothing, and a "no"
# looks the id up again before it is given. Migrate and flush, which may reuse ids, empty it.
_permission_ids: dict[str, int] = {}


def permission_ids_forget(**kwargs) -> None:
    _permission_ids.clear()


def _permission_id(perm: str) -> int | None:
    if perm not in _permission_ids:
        app_label, codename = perm.split(".", 1)
        found = (
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            return None
        _permission_ids[perm] = found
    return _permission_ids[perm]


_HOLDS = PreparedStatement(
    "user_holds_permission",
    f"""SELECT EXISTS (SELECT 1 FROM {User.user_permissions.through._meta.db_table}
                       WHERE user_id = $1 AND permission_id = $2)
            OR EXISTS (SELECT 1 FROM {User.groups.through._meta.db_table} ug
                       JOIN {Group.permissions.through._meta.db_table} gp
                         ON gp.group_id = ug.group_id
                       WHERE ug.user_id = $1 AND gp.permission_id = $2)""",  # noqa: S608 - names from model metadata, every value bound
    ["bigint", "integer"],
)


def _holds(user: User, permission_id: int) -> bool:
    return _HOLDS.execute([user.pk, permission_id])[0][0]


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
    kept = _permission_id(perm)
    if kept is not None and _holds(user, kept):
        return True
    _permission_ids.pop(perm, None)
    fresh = _permission_id(perm)
    return fresh is not None and fresh != kept and _holds(user, fresh)


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
        scope |= Q(category=Ticket.Category.SUGGESTION) | Q(tier=Ticket.Tier.S)
    if user.has_perm("knowledge.view_problemreport"):
        # The improvement loop reads the tickets its problem reports cover.
        reported = Ticket.problem_reports.through.objects.filter(ticket_id=OuterRef("pk"))
        scope |= Exists(reported)
    # Helping is seeing: a team with a sub-task on the ticket or a transfer to decide, and the
    # engineer of a visit, see that ticket (the owner's team keeps it).
    my_teams = user.teams.values("pk")
    if user.has_perm("tickets.work_subtask"):
        scope |= Exists(SubTask.objects.filter(ticket=OuterRef("pk"), team__in=my_teams))
    if user.has_perm("tickets.transition_ticket"):
        scope |= Exists(
            Transfer.objects.filter(
                ticket=OuterRef("pk"), to_team__in=my_teams, status=Transfer.Status.PENDING
            )
        )
        scope |= Exists(Visit.objects.filter(ticket=OuterRef("pk"), engineer_id=user.pk))
    return scope


def ticket_visible_to(*, user: User) -> QuerySet[Ticket]:
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    scope = ticket_visibility(user)
    queryset = Ticket.objects.all()
    return queryset if scope is None else queryset.filter(scope)


def with_due_key(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``due_key``: the nearest unmet SLA milestone (as Ticket.next_due_at), never null."""
    return queryset.annotate(due_key=due_key_expression())


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


# "Breaching soon": open, and the next due time is within this window or already past.
BREACHING_SOON_WINDOW = timedelta(hours=2)
QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class Queue:
    """A tab on the ticket list: a named filter on top of what the user may see."""

    key: str
    label: str
    hint: str
    shortcut: str = ""
    # Work queues show open tickets unless the user filters by status.
    open_by_default: bool = True


QUEUES: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue("mine", _("My tickets"), _("Open tickets you own."), "m"),
        Queue("team", _("My team"), _("Open tickets of your teams."), "t"),
        Queue("unassigned", _("Unassigned"), _("Open tickets nobody owns yet."), "u"),
        Queue(
            "breaching",
            _("Breaching soon"),
            _("Open tickets whose next due time is within 2 hours or already past."),
            "b",
        ),
        Queue("all", _("All I can see"), _("Every ticket you may see."), "a", False),
    )
}
DEFAULT_QUEUE = "all"


def queue_get(key: str | None) -> Queue:
    """The queue a request names; an unknown or missing key is the default queue."""
    return QUEUES.get(key or "", QUEUES[DEFAULT_QUEUE])


def ticket_queue(
    *, user: User, queue: Queue, now: datetime, open_only: bool = True
) -> QuerySet[Ticket]:
    """The queue's tickets within the user's visibility, with due_key, unordered."""
    tickets = ticket_list_for_user(user=user)
    if queue.key == "mine":
        tickets = tickets.filter(owner_id=user.pk)
    elif queue.key == "team":
        tickets = tickets.filter(team__in=user.teams.values("pk"))
    elif queue.key == "unassigned":
        return tickets.filter(owner__isnull=True, status__in=OPEN_STATUSES)
    elif queue.key == "breaching":
        return tickets.filter(status__in=OPEN_STATUSES, due_key__lte=now + BREACHING_SOON_WINDOW)
    if queue.open_by_default and open_only:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    return tickets


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list ordered by (due_key, id); no COUNT(*), so its cost is the page's."""

    object_list: list[Ticket]
    next_cursor: str | None
    is_first: bool

    def __iter__(self) -> Iterator[Ticket]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def _cursor_encode(ticket: Ticket) -> str:
    return f"{ticket.due_key.isoformat()}_{ticket.pk}"


def _cursor_decode(cursor: str) -> tuple[datetime, int] | None:
    due, _sep, pk = cursor.rpartition("_")
    try:
        moment, number = datetime.fromisoformat(due), int(pk)
    except ValueError:
        return None
    return (moment, number) if moment.tzinfo is not None else None


def ticket_queue_page(
    *, tickets: QuerySet[Ticket], cursor: str | None, size: int = QUEUE_PAGE_SIZE
) -> KeysetPage:
    """The page after `cursor` (or the first): one query for the rows, one for their tags.

    The `due_key >= d` bound lets PostgreSQL start the (due_key, id) index scan at the
    cursor; the OR only settles ties on the same due time. An unreadable cursor is the
    first page, as a stale bookmark should be.
    """
    position = _cursor_decode(cursor) if cursor else None
    if position is not None:
        due, pk = position
        tickets = tickets.filter(due_key__gte=due).filter(Q(due_key__gt=due) | Q(pk__gt=pk))
    rows = list(tickets.order_by("due_key", "id")[: size + 1])
    next_cursor = _cursor_encode(rows[size - 1]) if len(rows) > size else None
    return KeysetPage(object_list=rows[:size], next_cursor=next_cursor, is_first=position is None)


@dataclass(frozen=True)
class FilterChoices:
    """The list's choices that live in the database: tags (grouped by parent) and stores."""

    tag_groups: list[tuple[Tag, list[Tag]]]
    stores: list[Store]


def list_filter_choices() -> FilterChoices:
    """Two queries, whatever the size of the library."""
    groups: dict[int, tuple[Tag, list[Tag]]] = {}
    leaves = Tag.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    for tag in leaves.order_by("parent__name", "name"):
        groups.setdefault(tag.parent_id, (tag.parent, []))[1].append(tag)
    return FilterChoices(tag_groups=list(groups.values()), stores=list(Store.objects.all()))


def saved_filters_for_user(*, user: User) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(user=user).order_by("name")


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
