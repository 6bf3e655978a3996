"""One owner across departments: the ticket page's sub-task and transfer card, its POSTs, and
the receiving teams' inbox. Every change is a POST through tickets.services.dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.forms.dispatch import (
    SubTaskCancelForm,
    SubTaskCompleteForm,
    SubTaskRequestForm,
    TransferDeclineForm,
    TransferRequestForm,
)
from tickets.models import SubTask, Ticket, Transfer
from tickets.selectors.dispatch import (
    DispatchRights,
    dispatch_rights,
    team_inbox,
    ticket_subtasks,
    ticket_transfers,
)
from tickets.services import dispatch as services
from tickets.views.core import detail_context, ticket_or_404

INBOX = "inbox"  # the `back` a form posted from the inbox carries


@dataclass(frozen=True)
class SubTaskRow:
    """A sub-task with what the viewer may do with it, and a bound form that failed."""

    subtask: SubTask
    can_start: bool
    can_complete: bool
    can_cancel: bool
    complete_form: forms.Form | None = None
    cancel_form: forms.Form | None = None


def _rows(
    subtasks: list[SubTask],
    rights: DispatchRights,
    *,
    ticket: Ticket | None = None,
    failed: tuple[int, str, forms.Form] | None = None,
) -> list[SubTaskRow]:
    """Rows for a list; with `ticket` (the ticket page) the owner's side may cancel too."""
    rows = []
    for subtask in subtasks:
        workable = subtask.is_open and rights.may_work(subtask)
        bound = {failed[1]: failed[2]} if failed and failed[0] == subtask.pk else {}
        rows.append(
            SubTaskRow(
                subtask=subtask,
                can_start=workable and subtask.status == SubTask.Status.OPEN,
                can_complete=workable,
                can_cancel=ticket is not None
                and subtask.is_open
                and rights.may_cancel_subtask(subtask, ticket),
                complete_form=bound.get("complete"),
                cancel_form=bound.get("cancel"),
            )
        )
    return rows


def dispatch_context(request, ticket, *, bound: dict | None = None) -> dict:
    """What the ticket page shows for this area; `bound` holds a posted form that failed."""
    bound = bound or {}
    now = timezone.now()
    rights = dispatch_rights(user=request.user)
    transfers = ticket_transfers(ticket=ticket)
    pending = next((t for t in transfers if t.status == Transfer.Status.PENDING), None)
    subtasks = ticket_subtasks(ticket=ticket, now=now)
    seen = {"seen_updated_at": ticket.updated_at}
    card = {
        "now": now,
        "rows": _rows(subtasks, rights, ticket=ticket, failed=bound.get("row")),
        "blocking_since": min((s.requested_at for s in subtasks if s.is_open), default=None),
        "transfers": [t for t in transfers if t is not pending],
        "pending": pending,
        "can_decide": pending is not None and rights.may_decide(pending),
        "can_withdraw": pending is not None and rights.may_withdraw(pending, ticket),
        "decline_form": bound.get("decline") or TransferDeclineForm(),
    }
    # A form is offered only when its action is allowed now; one posted back is shown as is.
    may_request = rights.may_request_subtask(ticket)
    for kind in SubTask.Kind.values:
        if kind in bound or may_request:
            card[f"{kind}_form"] = bound.get(kind) or SubTaskRequestForm(
                ticket=ticket, now=now, kind=kind, initial=seen
            )
    if "transfer" in bound or (pending is None and rights.may_request_transfer(ticket)):
        card["transfer_form"] = bound.get("transfer") or TransferRequestForm(
            ticket=ticket, initial=seen
        )
    return {"dispatch": card}


def _ticket_page(request, number: str, *, status: int, bound: dict | None = None):
    """The whole ticket page as it is now, with a posted form that failed in its place."""
    ticket = ticket_or_404(request, number)
    context = detail_context(request, ticket)
    if bound:
        context |= dispatch_context(request, ticket, bound=bound)
    return render(request, "tickets/detail.html", context, status=status)


def _back(request, number: str) -> str:
    if request.POST.get("back") == INBOX:
        return reverse("tickets:inbox")
    return reverse("tickets:detail", args=[number]) + "#dispatch"


def _run(request, number: str, action: Callable[[], object], done: str, back: str = ""):
    """Call the service; a refusal is 403, a stale form 409 with the page as it is now."""
    try:
        action()
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except StaleTicket as exc:
        messages.error(request, str(exc))
        return _ticket_page(request, number, status=409)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back or _back(request, number))


def _require(allowed: bool) -> None:
    """Who may not act gets 403 before their form is read (the service would refuse too)."""
    if not allowed:
        raise PermissionDenied(_("You may not do this on this ticket."))


def _invalid(request, number: str, bound: dict) -> HttpResponse:
    """A form with field errors, shown where it was filled in (400)."""
    if request.POST.get("back") == INBOX:
        return _inbox_page(request, status=400, bound=bound)
    return _ticket_page(request, number, status=400, bound=bound)


@login_required
@require_POST
def subtask_request(request, number: str):
    ticket = ticket_or_404(request, number)
    _require(request.user.has_perm("tickets.transition_ticket"))
    form = SubTaskRequestForm(request.POST, ticket=ticket, now=timezone.now())
    if not form.is_valid():
        return _invalid(request, number, {form.kind: form})
    data = form.cleaned_data
    done = _("Sent to %(team)s.") % {"team": data["team"].name}
    return _run(
        request,
        number,
        partial(services.subtask_request, ticket=ticket, actor=request.user, **data),
        done,
    )


def _subtask(request, number: str, pk: int) -> SubTask:
    ticket = ticket_or_404(request, number)
    subtask = get_object_or_404(SubTask.objects.select_related("team"), pk=pk, ticket=ticket)
    subtask.ticket = ticket
    return subtask


@login_required
@require_POST
def subtask_start(request, number: str, pk: int):
    subtask = _subtask(request, number, pk)
    action = partial(services.subtask_start, subtask=subtask, actor=request.user)
    return _run(request, number, action, _("The sub-task is yours."))


@login_required
@require_POST
def subtask_complete(request, number: str, pk: int):
    subtask = _subtask(request, number, pk)
    _require(dispatch_rights(user=request.user).may_work(subtask))
    form = SubTaskCompleteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, number, {"row": (subtask.pk, "complete", form)})
    result = form.cleaned_data["result"]
    return _run(
        request,
        number,
        partial(services.subtask_complete, subtask=subtask, result=result, actor=request.user),
        _("The sub-task is done."),
    )


@login_required
@require_POST
def subtask_cancel(request, number: str, pk: int):
    subtask = _subtask(request, number, pk)
    _require(dispatch_rights(user=request.user).may_cancel_subtask(subtask, subtask.ticket))
    form = SubTaskCancelForm(request.POST)
    if not form.is_valid():
        return _invalid(request, number, {"row": (subtask.pk, "cancel", form)})
    reason = form.cleaned_data["reason"]
    return _run(
        request,
        number,
        partial(services.subtask_cancel, subtask=subtask, reason=reason, actor=request.user),
        _("The sub-task is cancelled."),
    )


@login_required
@require_POST
def transfer_request(request, number: str):
    ticket = ticket_or_404(request, number)
    _require(request.user.has_perm("tickets.transition_ticket"))
    form = TransferRequestForm(request.POST, ticket=ticket)
    if not form.is_valid():
        return _invalid(request, number, {"transfer": form})
    data = form.cleaned_data
    done = _("Asked %(team)s to take the ticket.") % {"team": data["to_team"].name}
    return _run(
        request,
        number,
        partial(services.transfer_request, ticket=ticket, actor=request.user, **data),
        done,
    )


def _transfer(request, number: str, pk: int) -> Transfer:
    ticket = ticket_or_404(request, number)
    return get_object_or_404(Transfer.objects.select_related("to_team"), pk=pk, ticket=ticket)


@login_required
@require_POST
def transfer_accept(request, number: str, pk: int):
    transfer = _transfer(request, number, pk)
    action = partial(services.transfer_accept, transfer=transfer, actor=request.user)
    # Back to the ticket even from the inbox: it is now the team's to work.
    back = reverse("tickets:detail", args=[number])
    return _run(request, number, action, _("The ticket is now your team's."), back)


@login_required
@require_POST
def transfer_decline(request, number: str, pk: int):
    transfer = _transfer(request, number, pk)
    _require(dispatch_rights(user=request.user).may_decide(transfer))
    form = TransferDeclineForm(request.POST)
    if not form.is_valid():
        return _invalid(request, number, {"decline": form, "decline_pk": transfer.pk})
    note = form.cleaned_data["note"]
    return _run(
        request,
        number,
        partial(services.transfer_decline, transfer=transfer, note=note, actor=request.user),
        _("Transfer declined; the ticket stays with its team."),
        # The team saw the ticket only to decide on it: back to the inbox.
        reverse("tickets:inbox"),
    )


@login_required
@require_POST
def transfer_cancel(request, number: str, pk: int):
    transfer = _transfer(request, number, pk)
    action = partial(services.transfer_cancel, transfer=transfer, actor=request.user)
    return _run(request, number, action, _("Transfer withdrawn."))


def _inbox_page(request, *, status: int = 200, bound: dict | None = None) -> HttpResponse:
    user = request.user
    if not (user.has_perm("tickets.work_subtask") or user.has_perm("tickets.transition_ticket")):
        raise PermissionDenied(_("Only teams that help on tickets have an inbox."))
    bound = bound or {}
    now = timezone.now()
    rights = dispatch_rights(user=user)
    inbox = team_inbox(user=user, rights=rights, now=now)
    failed_decline = bound.get("decline_pk")
    context = {
        "inbox": inbox,
        "rows": _rows(inbox.subtasks, rights, failed=bound.get("row")),
        "waiting": _rows(inbox.waiting_on_others, rights),
        "transfers": [
            (t, bound["decline"] if t.pk == failed_decline else None) for t in inbox.transfers
        ],
        "now": now,
    }
    return render(request, "tickets/dispatch/inbox.html", context, status=status)


@login_required
@require_GET
def inbox(request):
    return _inbox_page(request)


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("<str:number>/subtasks/", subtask_request, name="subtask_request"),
    path("<str:number>/subtasks/<int:pk>/start/", subtask_start, name="subtask_start"),
    path("<str:number>/subtasks/<int:pk>/complete/", subtask_complete, name="subtask_complete"),
    path("<str:number>/subtasks/<int:pk>/cancel/", subtask_cancel, name="subtask_cancel"),
    path("<str:number>/transfers/", transfer_request, name="transfer_request"),
    path("<str:number>/transfers/<int:pk>/accept/", transfer_accept, name="transfer_accept"),
    path("<str:number>/transfers/<int:pk>/decline/", transfer_decline, name="transfer_decline"),
    path("<str:number>/transfers/<int:pk>/cancel/", transfer_cancel, name="transfer_cancel"),
]
