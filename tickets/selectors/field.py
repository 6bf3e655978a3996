"""Reads for on-site visits and mail-in repair: engineer suggestions, the engineer's days.

The visit clock is the customer's: dates and time windows are local to Asia/Shanghai
(settings.TIME_ZONE), whatever the server's own zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from tickets.models import EngineerProfile, MailIn, Ticket, User, Visit
from tickets.selectors.core import ticket_visible_to

S = Ticket.Status
# Where on-site or mail-in work can be arranged: after the first contact (the customer has
# agreed to it) and while the ticket is worked on; never on a new, resolved or closed one.
FIELD_WORK_STATUSES = frozenset(
    {S.CONTACTED, S.IN_PROGRESS, S.WAITING_PARTS, S.WAITING_TECHNICAL, S.REOPENED}
)
# Visit.Window → (first hour, end hour), local time.
WINDOW_HOURS: dict[str, tuple[int, int]] = {
    Visit.Window.MORNING: (9, 12),
    Visit.Window.AFTERNOON: (13, 17),
    Visit.Window.EVENING: (18, 21),
}
# Everything but a cancelled visit takes the engineer's time (a visit that could not be done
# was still a trip).
BOOKED = ~Q(status=Visit.Status.CANCELLED)
_AGENDA_STATUSES = (Visit.Status.SCHEDULED, Visit.Status.DONE, Visit.Status.NOT_DONE)
# How far ahead a visit may be booked.
BOOKING_HORIZON = timedelta(days=90)
# The engineer's page: today and the six days after.
ENGINEER_DAYS = 7
EARLIER_TICKETS_SHOWN = 10


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local calendar day as an aware [start, end) range."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def window_bounds(*, day: date, window: str) -> tuple[datetime, datetime]:
    """When a window on a day starts and ends, in absolute time."""
    zone = timezone.get_default_timezone()
    first, end = WINDOW_HOURS[window]
    return (
        datetime.combine(day, time(first), tzinfo=zone),
        datetime.combine(day, time(end), tzinfo=zone),
    )


def visit_at_text(*, day: date, window: str) -> str:
    """The appointment as the customer reads it: 11月23日 09:00–12:00."""
    first, end = WINDOW_HOURS[window]
    return f"{day.month}月{day.day}日 {first:02d}:00–{end:02d}:00"


def next_open_window(*, now: datetime) -> tuple[date, str]:
    """The first window that has not begun yet: later today, else tomorrow morning."""
    today = timezone.localdate(now, timezone.get_default_timezone())
    for window in WINDOW_HOURS:
        if window_bounds(day=today, window=window)[0] > now:
            return today, window
    return today + timedelta(days=1), Visit.Window.MORNING


def person_name(user: User) -> str:
    """A name a customer may be told: the display name or the real name, never the login."""
    return user.display_name or f"{user.last_name}{user.first_name}"


def area_split(text: str) -> tuple[str, str]:
    """ "上海/徐汇区" → ("上海", "徐汇区"); "上海" → ("上海", "")."""
    city, _sep, district = (text or "").partition("/")
    return city.strip(), district.strip()


def can_see_address(*, user: User, visit: Visit | None = None) -> bool:
    """Addresses are personal data: the visit's engineer and who may reveal customers."""
    if visit is not None and visit.engineer_id == user.pk:
        return True
    return user.has_perm("tickets.reveal_customer")


def can_record_outcome(*, user: User, visit: Visit) -> bool:
    """The visit's engineer records what came of it; a lead (change_ticket) may for them."""
    return visit.engineer_id == user.pk or user.has_perm("tickets.change_ticket")


@dataclass(frozen=True)
class Suggestion:
    profile: EngineerProfile
    load: int
    window_free: bool
    district_match: bool

    @property
    def engineer(self) -> User:
        return self.profile.user

    @property
    def capacity(self) -> int:
        return self.profile.daily_capacity

    @property
    def full(self) -> bool:
        return self.load >= self.capacity

    @property
    def available(self) -> bool:
        return self.window_free and not self.full


@dataclass(frozen=True)
class Suggestions:
    rows: list[Suggestion]
    # The product category the engineers were matched on; "" when the product is unknown
    # and every skill was taken (the page says so).
    category: str
    category_label: str = ""
    areas: list[str] = field(default_factory=list)

    @property
    def by_skill(self) -> bool:
        return bool(self.category)


def engineer_suggestions(
    *,
    ticket: Ticket,
    day: date,
    window: str,
    city: str,
    district: str = "",
    moving: Visit | None = None,
) -> Suggestions:
    """Active engineers who repair this product and serve the place, best first, one query.

    "上海" covers every district of 上海, "上海/徐汇区" only that district. Each comes with the
    day's load against daily_capacity and whether the window is still free; an exact
    district match ranks first, then the lowest load. A visit being moved (`moving`) does
    not count: its slot is given up by the move.
    """
    city, district = city.strip(), district.strip()
    if not city or window not in WINDOW_HOURS:
        return Suggestions(rows=[], category="")
    exact = f"{city}/{district}" if district else ""
    areas = [city, exact] if exact else [city]
    day_start, day_end = local_day_bounds(day)
    profiles = EngineerProfile.objects.filter(
        is_active=True, user__is_active=True, areas__overlap=areas
    )
    category = ticket.product.category if ticket.product_id else ""
    if category:
        profiles = profiles.filter(skills__contains=[category])
    booked_that_day = Q(
        user__visits__starts_at__gte=day_start, user__visits__starts_at__lt=day_end
    ) & ~Q(user__visits__status=Visit.Status.CANCELLED)
    window_taken = Visit.objects.filter(engineer=OuterRef("user_id"), date=day, window=window)
    if moving is not None:
        booked_that_day &= ~Q(user__visits__pk=moving.pk)
        window_taken = window_taken.exclude(pk=moving.pk)
    profiles = (
        profiles.select_related("user")
        .annotate(
            load=Count("user__visits", filter=booked_that_day),
            window_taken=Exists(window_taken.filter(BOOKED)),
            district_match=Case(
                When(areas__contains=[exact], then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
            if exact
            else Value(False, output_field=BooleanField()),
        )
        .order_by("-district_match", "load", "user__display_name", "user__username")
    )
    rows = [
        Suggestion(
            profile=profile,
            load=profile.load,
            window_free=not profile.window_taken,
            district_match=profile.district_match,
        )
        for profile in profiles
    ]
    label = ticket.product.get_category_display() if category else ""
    return Suggestions(rows=rows, category=category, category_label=label, areas=areas)


def engineers_all() -> QuerySet[User]:
    """Every user who takes visits: the form's choices, beyond the suggestions."""
    return User.objects.filter(is_active=True, engineer_profile__is_active=True).order_by(
        "display_name", "username"
    )


@dataclass(frozen=True)
class VisitPlace:
    city: str = ""
    district: str = ""
    address: str = ""


def visit_place_default(*, ticket: Ticket, with_address: bool) -> VisitPlace:
    """Where a new visit goes: the customer's last visit, else the city of the ticket's store.

    The street address is personal data: left out for a user who may not see it.
    """
    last = (
        Visit.objects.filter(ticket__customer_id=ticket.customer_id)
        .filter(BOOKED)
        .order_by("-starts_at")
        .only("city", "district", "address")
        .first()
    )
    if last is not None:
        return VisitPlace(
            city=last.city, district=last.district, address=last.address if with_address else ""
        )
    if ticket.store_id:
        city, district = area_split(ticket.store.city)
        return VisitPlace(city=city, district=district)
    return VisitPlace()


def mailin_address_default(*, ticket: Ticket) -> str:
    """The customer's last return address, else the address of their last visit."""
    last = (
        MailIn.objects.filter(ticket__customer_id=ticket.customer_id)
        .order_by("-started_at")
        .values_list("return_address", flat=True)
        .first()
    )
    if last:
        return last
    visit = (
        Visit.objects.filter(ticket__customer_id=ticket.customer_id)
        .filter(BOOKED)
        .order_by("-starts_at")
        .only("city", "district", "address")
        .first()
    )
    if visit is None:
        return ""
    return f"{visit.city}{visit.district}{visit.address}"


def ticket_visits(*, ticket: Ticket) -> list[Visit]:
    """A ticket's visits, newest first, with their engineers and photos (two queries)."""
    return list(
        ticket.visits.select_related("engineer").prefetch_related("photos").order_by("-starts_at")
    )


def ticket_mail_ins(*, ticket: Ticket) -> list[MailIn]:
    return list(ticket.mail_ins.order_by("-started_at"))


@dataclass(frozen=True)
class VisitDay:
    day: date
    visits: list[Visit]
    is_today: bool


@dataclass(frozen=True)
class EngineerAgenda:
    # Earlier visits still waiting for their outcome, then today and the days after.
    overdue: list[Visit]
    days: list[VisitDay]
    today: date


def engineer_agenda(*, user: User, now: datetime, days: int = ENGINEER_DAYS) -> EngineerAgenda:
    """The engineer's own visits from today (local) on, and earlier ones left unrecorded."""
    today = timezone.localdate(now, timezone.get_default_timezone())
    start, _end = local_day_bounds(today)
    end = local_day_bounds(today + timedelta(days=days - 1))[1]
    # visit_engineer_day (engineer, starts_at) serves both ranges.
    visits = (
        Visit.objects.filter(engineer=user)
        .filter(
            Q(starts_at__gte=start, starts_at__lt=end, status__in=_AGENDA_STATUSES)
            | Q(starts_at__lt=start, status=Visit.Status.SCHEDULED)
        )
        .select_related("ticket__product")
        .order_by("starts_at", "pk")
    )
    overdue: list[Visit] = []
    by_day: dict[date, list[Visit]] = {}
    for visit in visits:
        if visit.starts_at < start:
            overdue.append(visit)
        else:
            by_day.setdefault(visit.date, []).append(visit)
    agenda = [
        VisitDay(day=day, visits=day_visits, is_today=day == today)
        for day, day_visits in sorted(by_day.items())
    ]
    return EngineerAgenda(overdue=overdue, days=agenda, today=today)


def visit_get_for_user(*, user: User, pk: int) -> Visit:
    """A visit its engineer, or anyone who may see its ticket, may open; else DoesNotExist."""
    if not user.is_authenticated or not user.is_active:
        raise Visit.DoesNotExist
    return (
        Visit.objects.select_related("ticket__customer", "ticket__product", "engineer")
        .prefetch_related("photos")
        .filter(Q(engineer=user) | Q(ticket__in=ticket_visible_to(user=user)))
        .get(pk=pk)
    )


def customer_earlier_tickets(*, ticket: Ticket, limit: int = EARLIER_TICKETS_SHOWN) -> list[Ticket]:
    """The same customer's other tickets, newest first: what was wrong before."""
    return list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("product")
        .order_by("-received_at")[:limit]
    )
