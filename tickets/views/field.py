"""On-site visits and mail-in repair: the ticket page's card, the engineer's phone pages.

Every change is a POST through tickets.services.field. Bad input re-renders the form with
the field named (400); a stale form or a visit that moved on answers 409 with the current
page; a user who may not act gets Django's 403 page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intake.attachments import MAX_FILES
from tickets import selectors
from tickets.errors import DomainError, PermissionDeniedError
from tickets.forms.field import (
    MailInAdvanceForm,
    MailInStartForm,
    ReasonForm,
    SuggestionQueryForm,
    VisitCompleteForm,
    VisitRescheduleForm,
    VisitScheduleForm,
)
from tickets.models import MailIn, Ticket, Visit
from tickets.selectors import field as field_selectors
from tickets.services import customer_reveal
from tickets.services import field as field_services
from tickets.services.field import FieldInputError, mailin_next
from tickets.views.core import detail_context, ticket_or_404

OUTCOMES = (Visit.Status.DONE, Visit.Status.NOT_DONE)


@dataclass(frozen=True)
class MailInStep:
    """The one button the parcel's next step is."""

    to_status: str
    label: str
    needs_tracking: bool


def _mailin_step(mail_in: MailIn | None) -> MailInStep | None:
    to_status = mailin_next(mail_in) if mail_in else None
    if to_status is None:
        return None
    return MailInStep(
        to_status=to_status,
        label=field_services.MAILIN_LABELS[to_status],
        needs_tracking=to_status in field_services.MAILIN_TRACKING,
    )


PLACE_FIELDS = ("date", "window", "city", "district")


def _suggestions_context(
    ticket: Ticket, form: Form, selected: str | None = None, moving: Visit | None = None
) -> dict:
    """Engineers for the place and time the form holds (posted, or its initial values)."""
    if form.is_bound:
        form.is_valid()
        place = {name: form.cleaned_data.get(name) for name in PLACE_FIELDS}
    else:
        place = {name: form.initial.get(name) for name in PLACE_FIELDS}
    suggestions = None
    if place["date"] and place["window"] and place["city"]:
        suggestions = field_selectors.engineer_suggestions(
            ticket=ticket,
            day=place["date"],
            window=place["window"],
            city=place["city"],
            district=place["district"] or "",
            moving=moving,
        )
    return {
        "ticket": ticket,
        "suggestions": suggestions,
        "selected": str(selected or ""),
        # Nobody suggested: any engineer may still be chosen by name.
        "engineers": () if suggestions and suggestions.rows else field_selectors.engineers_all(),
    }


def onsite_card(request: HttpRequest, ticket: Ticket, **forms: Form) -> dict:
    """What the card shows and which of its actions are legal now (only those are offered)."""
    user = request.user
    visits = field_selectors.ticket_visits(ticket=ticket)
    for visit in visits:
        visit.address_visible = field_selectors.can_see_address(user=user, visit=visit)
    scheduled = next((v for v in visits if v.status == Visit.Status.SCHEDULED), None)
    mail_ins = field_selectors.ticket_mail_ins(ticket=ticket)
    for mail_in in mail_ins:
        mail_in.label = field_services.MAILIN_LABELS[mail_in.status]
    active = next((m for m in mail_ins if m.status in field_services.MAILIN_ACTIVE), None)
    can_work = user.has_perm("tickets.transition_ticket")
    open_for_work = ticket.status in field_selectors.FIELD_WORK_STATUSES
    card = {
        "visits": visits,
        "scheduled": scheduled,
        "outcome": next((v for v in visits if v.status in OUTCOMES), None),
        "mail_ins": mail_ins,
        "active_mailin": active,
        "mailin_step": _mailin_step(active) if can_work else None,
        "can_cancel_visit": can_work and scheduled is not None,
        "can_schedule": can_work and open_for_work,
        "can_start_mailin": can_work and open_for_work and active is None,
        "can_see_addresses": field_selectors.can_see_address(user=user),
    }
    if card["can_schedule"]:
        card["schedule_form"] = forms.get("schedule_form") or _schedule_form_initial(
            request, ticket, scheduled
        )
        selected = card["schedule_form"]["engineer"].value()
        card |= _suggestions_context(ticket, card["schedule_form"], selected, scheduled)
    if card["can_start_mailin"]:
        card["mailin_form"] = forms.get("mailin_form") or MailInStartForm(
            initial={
                "return_address": field_selectors.mailin_address_default(ticket=ticket)
                if card["can_see_addresses"]
                else "",
                "seen_updated_at": ticket.updated_at,
            }
        )
    for name in ("cancel_form", "advance_form", "mailin_cancel_form"):
        card[name] = forms.get(name)
    return {"onsite": card}


def _schedule_form_initial(request, ticket: Ticket, scheduled: Visit | None) -> Form:
    """A new visit: the next open window at the usual place; a move: the visit as booked."""
    with_address = field_selectors.can_see_address(user=request.user, visit=scheduled)
    now = timezone.now()
    day, window = field_selectors.next_open_window(now=now)
    if scheduled is not None and scheduled.starts_at > now:
        day, window = scheduled.date, scheduled.window
    if scheduled is None:
        place = field_selectors.visit_place_default(ticket=ticket, with_address=with_address)
        engineer = None
    else:
        place = field_selectors.VisitPlace(
            city=scheduled.city,
            district=scheduled.district,
            address=scheduled.address if with_address else "",
        )
        engineer = scheduled.engineer_id
    form_class = VisitRescheduleForm if scheduled else VisitScheduleForm
    return form_class(
        initial={
            "date": day,
            "window": window,
            "city": place.city,
            "district": place.district,
            "address": place.address,
            "engineer": engineer,
            "seen_updated_at": ticket.updated_at,
        }
    )


def field_context(request, ticket) -> dict:
    """What the ticket page shows for this area."""
    return onsite_card(request, ticket)


def _ticket_page(request, number: str, *, status: int, **forms: Form) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    context = detail_context(request, ticket) | onsite_card(request, ticket, **forms)
    return render(request, "tickets/detail.html", context, status=status)


def _refused(request, number: str, exc: DomainError, form_name: str, form: Form) -> HttpResponse:
    """The page again: input errors on the form's field (400), anything else as a message on
    the current state (409 for a stale form or a visit or parcel that moved on)."""
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(str(exc)) from exc
    if isinstance(exc, FieldInputError):
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return _ticket_page(request, number, status=exc.http_status, **{form_name: form})
    messages.error(request, str(exc))
    return _ticket_page(request, number, status=exc.http_status)


def _done(request, number: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('tickets:detail', args=[number])}#onsite")


@login_required
@require_GET
def visit_suggestions(request, number: str):
    """The schedule form's engineer list for the date, window and place now in the form."""
    ticket = ticket_or_404(request, number)
    if not request.user.has_perm("tickets.transition_ticket"):
        raise PermissionDenied(_("You may not schedule on-site visits."))
    form = SuggestionQueryForm(request.GET)
    form.is_valid()
    picked = form.cleaned_data.get("engineer")
    moving_pk = form.cleaned_data.get("moving")
    moving = (
        ticket.visits.filter(pk=moving_pk, status=Visit.Status.SCHEDULED).first()
        if moving_pk
        else None
    )
    context = _suggestions_context(ticket, form, picked, moving)
    return render(request, "tickets/field/_suggestions.html", context)


@login_required
@require_POST
def visit_schedule(request, number: str):
    ticket = ticket_or_404(request, number)
    form = VisitScheduleForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, schedule_form=form)
    try:
        visit = field_services.visit_schedule(
            ticket=ticket, actor=request.user, **form.cleaned_data
        )
    except DomainError as exc:
        return _refused(request, number, exc, "schedule_form", form)
    return _done(
        request,
        number,
        _("Visit booked with %(engineer)s for %(when)s; the customer is told.")
        % {"engineer": visit.engineer, "when": _visit_when(visit)},
    )


def _visit_when(visit: Visit) -> str:
    return f"{visit.date:%Y-%m-%d} {visit.get_window_display()}"


@login_required
@require_POST
def visit_reschedule(request, number: str, pk: int):
    ticket = ticket_or_404(request, number)
    visit = get_object_or_404(ticket.visits, pk=pk)
    form = VisitRescheduleForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, schedule_form=form)
    try:
        new = field_services.visit_reschedule(visit=visit, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, number, exc, "schedule_form", form)
    return _done(
        request,
        number,
        _("Visit moved to %(when)s with %(engineer)s; the customer is told.")
        % {"engineer": new.engineer, "when": _visit_when(new)},
    )


@login_required
@require_POST
def visit_cancel(request, number: str, pk: int):
    ticket = ticket_or_404(request, number)
    visit = get_object_or_404(ticket.visits, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, cancel_form=form)
    try:
        field_services.visit_cancel(visit=visit, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, number, exc, "cancel_form", form)
    return _done(request, number, _("Visit cancelled."))


@login_required
@require_POST
def mailin_start(request, number: str):
    ticket = ticket_or_404(request, number)
    form = MailInStartForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, mailin_form=form)
    try:
        field_services.mailin_start(ticket=ticket, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, number, exc, "mailin_form", form)
    return _done(request, number, _("Mail-in repair started."))


@login_required
@require_POST
def mailin_advance(request, number: str, pk: int):
    ticket = ticket_or_404(request, number)
    mail_in = get_object_or_404(ticket.mail_ins, pk=pk)
    form = MailInAdvanceForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, advance_form=form)
    try:
        mail_in = field_services.mailin_advance(
            mail_in=mail_in, actor=request.user, **form.cleaned_data
        )
    except DomainError as exc:
        return _refused(request, number, exc, "advance_form", form)
    return _done(
        request,
        number,
        _("Mail-in repair: %(status)s.") % {"status": field_services.MAILIN_LABELS[mail_in.status]},
    )


@login_required
@require_POST
def mailin_cancel(request, number: str, pk: int):
    ticket = ticket_or_404(request, number)
    mail_in = get_object_or_404(ticket.mail_ins, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, number, status=400, mailin_cancel_form=form)
    try:
        field_services.mailin_cancel(mail_in=mail_in, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        return _refused(request, number, exc, "mailin_cancel_form", form)
    return _done(request, number, _("Mail-in repair cancelled."))


# The engineer's pages (phone first).


def _visit_or_404(request, pk: int) -> Visit:
    try:
        return field_selectors.visit_get_for_user(user=request.user, pk=pk)
    except Visit.DoesNotExist:
        raise Http404 from None


def _visit_page(request, visit: Visit, *, status: int = 200, **extra) -> HttpResponse:
    user = request.user
    may_record = visit.status == Visit.Status.SCHEDULED and field_selectors.can_record_outcome(
        user=user, visit=visit
    )
    context = {
        "visit": visit,
        "ticket": visit.ticket,
        "address_visible": field_selectors.can_see_address(user=user, visit=visit),
        "earlier": field_selectors.customer_earlier_tickets(ticket=visit.ticket),
        "can_reveal": user.has_perm("tickets.reveal_customer"),
        "may_record": may_record,
        "complete_form": VisitCompleteForm(),
        "not_done_form": ReasonForm(),
        "max_photos": MAX_FILES,
        "open_ticket": selectors.ticket_visible_to(user=user).filter(pk=visit.ticket_id).exists(),
        **extra,
    }
    return render(request, "tickets/field/visit.html", context, status=status)


@login_required
@require_GET
def visit_list(request):
    agenda = field_selectors.engineer_agenda(user=request.user, now=timezone.now())
    return render(request, "tickets/field/visits.html", {"agenda": agenda})


@login_required
@require_GET
def visit_detail(request, pk: int):
    return _visit_page(request, _visit_or_404(request, pk))


@login_required
@require_POST
def visit_reveal(request, pk: int):
    """The audited reveal (tickets.services.customer_reveal), then a tap-to-call link."""
    visit = _visit_or_404(request, pk)
    try:
        contact = customer_reveal(ticket=visit.ticket, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    if request.htmx:
        return render(
            request,
            "tickets/field/_contact.html",
            {"visit": visit, "ticket": visit.ticket, "contact": contact},
        )
    return _visit_page(request, visit, contact=contact)


def _record(request, pk: int, form: Form, form_name: str, record) -> HttpResponse:
    """Run an outcome service for the visit's engineer; the page again on any refusal."""
    visit = _visit_or_404(request, pk)
    if not field_selectors.can_record_outcome(user=request.user, visit=visit):
        raise PermissionDenied(_("Only the visit's engineer records its outcome."))
    if form.is_valid():
        try:
            record(visit=visit, actor=request.user, **form.cleaned_data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except FieldInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
            return _visit_page(request, _visit_or_404(request, pk), status=exc.http_status)
        else:
            messages.success(request, _("Visit outcome recorded."))
            return redirect("tickets:visit", pk=pk)
    return _visit_page(request, visit, status=400, **{form_name: form})


@login_required
@require_POST
def visit_complete(request, pk: int):
    form = VisitCompleteForm(request.POST, request.FILES)
    return _record(request, pk, form, "complete_form", field_services.visit_complete)


@login_required
@require_POST
def visit_not_done(request, pk: int):
    form = ReasonForm(request.POST)
    return _record(request, pk, form, "not_done_form", field_services.visit_not_done)


urlpatterns = [
    path("visits/", visit_list, name="visits"),
    path("visits/<int:pk>/", visit_detail, name="visit"),
    path("visits/<int:pk>/reveal/", visit_reveal, name="visit_reveal"),
    path("visits/<int:pk>/complete/", visit_complete, name="visit_complete"),
    path("visits/<int:pk>/not-done/", visit_not_done, name="visit_not_done"),
    path("<str:number>/visits/suggestions/", visit_suggestions, name="visit_suggestions"),
    path("<str:number>/visits/schedule/", visit_schedule, name="visit_schedule"),
    path("<str:number>/visits/<int:pk>/reschedule/", visit_reschedule, name="visit_reschedule"),
    path("<str:number>/visits/<int:pk>/cancel/", visit_cancel, name="visit_cancel"),
    path("<str:number>/mail-in/", mailin_start, name="mailin_start"),
    path("<str:number>/mail-in/<int:pk>/advance/", mailin_advance, name="mailin_advance"),
    path("<str:number>/mail-in/<int:pk>/cancel/", mailin_cancel, name="mailin_cancel"),
]
