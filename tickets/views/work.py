"""The ticket page's own actions: calls, notes, messages, ownership, status moves, tier,
deadlines and tags. Each is a POST through one service in tickets.services.work.

One view serves the actions: it validates the action's form (400 and the page with the
field's error), runs its service, and on a refusal answers with the current page, the
reason and what the agent typed: 409 for a stale version or a move the state forbids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.errors import DomainError, PermissionDeniedError
from tickets.forms import work as forms
from tickets.models import ALLOWED_TRANSITIONS, Ticket, TicketEvent, User
from tickets.selectors import work as selectors
from tickets.services import ticket_tag_review
from tickets.services import work as services
from tickets.views.core import detail_context, ticket_or_404

S = Ticket.Status
WORKS = ("tickets.transition_ticket",)
LEADS = ("tickets.change_ticket",)


@dataclass(frozen=True)
class Action:
    form: type[forms.TicketActionForm]
    # The service; called with ticket=, actor= and the form's cleaned data.
    run: Callable[..., Any]
    done: Callable[[Any], str]
    perms: tuple[str, ...] = WORKS
    # Besides the status (services.ACTION_STATUSES): when the page offers it at all.
    when: Callable[[Ticket], bool] = lambda ticket: True

    def offered(self, name: str, ticket: Ticket, user: User) -> bool:
        return (
            any(user.has_perm(perm) for perm in self.perms)
            and ticket.status in services.ACTION_STATUSES[name]
            and self.when(ticket)
        )


def _has_pending_deadline(ticket: Ticket) -> bool:
    return any(
        ticket.sla_target_pending(target) and getattr(ticket, f"{target}_due_at")
        for target in ("first_contact", "resolve")
    )


ACTIONS: dict[str, Action] = {
    "contact": Action(
        forms.ContactLogForm, services.ticket_contact_log, lambda _t: _("Contact logged.")
    ),
    "note": Action(
        forms.NoteForm,
        services.ticket_note_add,
        lambda _t: _("Note added."),
        perms=(*WORKS, "tickets.work_subtask"),
    ),
    "message": Action(
        forms.MessageForm,
        services.ticket_message_send,
        lambda _m: _("Message queued for the customer."),
        when=lambda ticket: ticket.channel != Ticket.Channel.WECHAT,
    ),
    "take": Action(
        forms.VersionOnlyForm,
        services.ticket_take,
        lambda _t: _("You own this ticket now."),
        when=lambda ticket: ticket.owner_id is None,
    ),
    "assign": Action(
        forms.AssignForm,
        services.ticket_owner_set,
        lambda t: _("%(owner)s owns this ticket now.") % {"owner": t.owner},
        perms=LEADS,
    ),
    "start": Action(
        forms.VersionOnlyForm, services.ticket_work_start, lambda _t: _("Work started.")
    ),
    "hold": Action(
        forms.HoldForm,
        services.ticket_hold,
        lambda _t: _("On hold, waiting for the customer: the SLA clocks are paused."),
    ),
    "resume": Action(
        forms.ResumeForm,
        services.ticket_resume,
        lambda _t: _("Work resumed: the SLA clocks run again."),
    ),
    "resolve": Action(forms.ResolveForm, services.ticket_resolve, lambda _t: _("Resolved.")),
    "reopen": Action(
        forms.ReopenForm, services.ticket_reopen, lambda _t: _("Reopened for second handling.")
    ),
    "tier": Action(
        forms.TierForm,
        services.ticket_tier_set,
        lambda t: _("The tier is now %(tier)s.") % {"tier": t.get_tier_display()},
    ),
    "deadline": Action(
        forms.DeadlineForm,
        services.ticket_deadline_set,
        lambda _t: _("Deadline extended."),
        perms=LEADS,
        when=_has_pending_deadline,
    ),
}
# The actions card, in this order after the next step; take, tier and deadline sit with
# the facts they change.
CARD_ORDER = (
    "contact",
    "start",
    "resume",
    "hold",
    "resolve",
    "reopen",
    "note",
    "message",
    "assign",
)
# The one next step the page puts first, by status.
PRIMARY = {
    S.NEW: "contact",
    S.CONTACTED: "start",
    S.REOPENED: "start",
    S.WAITING_CUSTOMER: "resume",
    S.IN_PROGRESS: "resolve",
}


def _form(name: str, ticket: Ticket, user: User, data=None) -> forms.TicketActionForm:
    # Ids carry the action's name: several forms on the page have a "note" or a "reason".
    return ACTIONS[name].form(data, ticket=ticket, user=user, auto_id=f"{name}-%s")


def work_context(request, ticket: Ticket, *, bound: dict | None = None) -> dict:
    """What the ticket page shows for this area: the timeline and, under "work", the
    customer's history, warranty, open work, canned replies and the actions on offer.
    `bound` holds a posted form to show again (with its errors, or what was typed)."""
    user, now, bound = request.user, timezone.now(), bound or {}
    offered = [name for name, spec in ACTIONS.items() if spec.offered(name, ticket, user)]
    action_forms = {name: _form(name, ticket, user) for name in offered}
    action_forms.update({name: form for name, form in bound.items() if name in ACTIONS})
    open_work = selectors.ticket_open_work(ticket=ticket) if "resolve" in offered else None
    primary = PRIMARY.get(ticket.status, "")
    if primary not in offered or (primary == "resolve" and open_work):
        primary = ""
    can_work = user.has_perm("tickets.transition_ticket")
    timeline = selectors.timeline_for_ticket(ticket=ticket)
    return {
        "timeline": timeline,
        "work": {
            "forms": action_forms,
            "offered": set(offered),
            "primary": primary,
            "sequence": [name for name in CARD_ORDER if name in offered and name != primary],
            "open_work": open_work.describe() if open_work else [],
            "history": selectors.caller_history(ticket=ticket, user=user),
            "warranty": ticket.warranty_status(timezone.localdate(now)),
            "tier_note": next(
                (e for e in reversed(timeline) if e.verb == TicketEvent.Verb.TIER_CHANGED), None
            ),
            "macros": selectors.macros_for_ticket(ticket=ticket) if can_work else [],
            "other_moves": [
                Ticket.Status(to)
                for to in sorted(ALLOWED_TRANSITIONS[ticket.status])
                if (ticket.status, to) not in services.MOVE_ACTIONS
            ]
            if can_work
            else [],
            "can_tag": can_work,
            "tag_form": (bound.get("tag_add") or forms.TagAddForm()) if can_work else None,
            "outcomes": services.CallOutcome,
        },
    }


def _page(request, number: str, bound: dict, *, status: int):
    """The ticket as it is now, with the posted form shown again."""
    fresh = ticket_or_404(request, number)
    return render(
        request, "tickets/detail.html", detail_context(request, fresh, bound=bound), status=status
    )


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_POST
def work_action(request, number: str, action: str):
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not any(request.user.has_perm(perm) for perm in spec.perms):
        raise PermissionDenied
    ticket = ticket_or_404(request, number)
    form = _form(action, ticket, request.user, request.POST)
    if form.is_valid():
        try:
            result = spec.run(ticket=ticket, actor=request.user, **form.cleaned_data)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            _add_errors(form, exc)
        except DomainError as exc:
            # Lost a race (409) or not possible now: the current state, why, what was typed.
            messages.error(request, str(exc))
            return _page(request, number, {action: form}, status=exc.http_status)
        else:
            messages.success(request, spec.done(result))
            return redirect("tickets:detail", number=number)
    return _page(request, number, {action: form}, status=400)


def _tags_answer(request, number: str, form=None, *, status: int = 200):
    """htmx gets the tags fragment; a plain post goes back to the page (or shows its error)."""
    if request.htmx:
        ticket = ticket_or_404(request, number)
        work = {"can_tag": True, "tag_form": form or forms.TagAddForm()}
        return render(
            request, "tickets/work/_tags.html", {"ticket": ticket, "work": work}, status=status
        )
    if status == 200:
        return redirect("tickets:detail", number=number)
    return _page(request, number, {"tag_add": form} if form else {}, status=status)


@login_required
@require_POST
def work_tag_add(request, number: str):
    ticket = ticket_or_404(request, number)
    form = forms.TagAddForm(request.POST)
    if not form.is_valid():
        return _tags_answer(request, number, form, status=400)
    try:
        services.ticket_tag_add(ticket=ticket, tag=form.cleaned_data["tag"], actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        _add_errors(form, exc)
        return _tags_answer(request, number, form, status=400)
    return _tags_answer(request, number, None)


@login_required
@require_POST
def work_tag_review(request, number: str, pk: int):
    """Confirm or reject (remove) a tag; the row stays, for automatic tagging's precision."""
    ticket = ticket_or_404(request, number)
    ticket_tag = get_object_or_404(ticket.ticket_tags, pk=pk)
    form = forms.TagReviewForm(request.POST)
    if not form.is_valid():
        return _tags_answer(request, number, status=400)
    try:
        ticket_tag_review(
            ticket_tag=ticket_tag,
            confirmed=form.cleaned_data["verdict"] == "confirm",
            actor=request.user,
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    return _tags_answer(request, number, None)


urlpatterns = [
    path("<str:number>/tags/", work_tag_add, name="work_tag_add"),
    path("<str:number>/tags/<int:pk>/review/", work_tag_review, name="work_tag_review"),
    path("<str:number>/work/<slug:action>/", work_action, name="work_action"),
]
