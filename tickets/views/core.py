"""Browser pages: the ticket list and the ticket page. Every change is a POST through a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intake.wechat.delivery import wechat_agent_reply
from intake.wechat.selectors import wechat_thread_for_ticket
from knowledge.selectors.work import ticket_suggestions
from tickets import selectors, services
from tickets.errors import DomainError, PermissionDeniedError, StaleTicket
from tickets.filters import TicketFilter
from tickets.forms import SavedFilterForm, TransitionForm, non_empty
from tickets.models import ALLOWED_TRANSITIONS, Ticket
from tickets.services.work import MOVE_ACTIONS


def ticket_or_404(request, number: str) -> Ticket:
    try:
        return selectors.ticket_get_for_user(user=request.user, number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def _list_context(request, params: QueryDict) -> dict:
    """The list page for a query: its queue, filters, one keyset page, the user's tabs."""
    params = non_empty(params)
    queue = selectors.queue_get(params.get("queue"))
    tickets = selectors.ticket_queue(
        user=request.user, queue=queue, now=timezone.now(), open_only=not params.getlist("status")
    )
    filters = TicketFilter(params, queryset=tickets)
    page = selectors.ticket_queue_page(
        tickets=filters.qs if filters.is_valid() else Ticket.objects.none(),
        cursor=params.get("after"),
    )
    return {"filters": filters, "page": page, "queue": queue, "queues": selectors.QUEUES}


@login_required
@require_GET
def ticket_list(request):
    context = _list_context(request, request.GET)
    if request.htmx:
        return render(request, "tickets/partials/_list_rows.html", context)
    return render(
        request,
        "tickets/list.html",
        {
            **context,
            "saved_filters": selectors.saved_filters_for_user(user=request.user),
            "save_form": SavedFilterForm(user=request.user),
            "choices": selectors.list_filter_choices(),
        },
    )


@login_required
@require_POST
def saved_filter_create(request):
    form = SavedFilterForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            saved = services.saved_filter_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
            return redirect(f"{reverse('tickets:list')}?{saved.query}")
    context = _list_context(request, QueryDict())
    context |= {
        "saved_filters": selectors.saved_filters_for_user(user=request.user),
        "save_form": form,
        "choices": selectors.list_filter_choices(),
    }
    return render(request, "tickets/list.html", context, status=400)


@login_required
@require_POST
def saved_filter_delete(request, pk: int):
    if not services.saved_filter_delete(user=request.user, pk=pk):
        raise Http404
    messages.success(request, _("Saved filter deleted."))
    return redirect("tickets:list")


def detail_context(request, ticket: Ticket, *, bound: dict | None = None) -> dict:
    """The ticket page's context; `bound` holds the work area's posted forms to show again
    (the timeline comes from work_context too)."""
    # Imported here: the area modules import this one (ticket_or_404, detail_context).
    from tickets.views import dispatch, field, work

    return {
        **work.work_context(request, ticket, bound=bound),
        **dispatch.dispatch_context(request, ticket),
        **field.field_context(request, ticket),
        "ticket": ticket,
        "next_statuses": [Ticket.Status(s) for s in sorted(ALLOWED_TRANSITIONS[ticket.status])],
        "can_transition": request.user.has_perm("tickets.transition_ticket"),
        "can_reveal": request.user.has_perm("tickets.reveal_customer"),
        "wechat": wechat_thread_for_ticket(ticket=ticket, now=timezone.now()),
        "knowledge_suggestions": ticket_suggestions(ticket=ticket),
    }


@login_required
def ticket_detail(request, number: str):
    ticket = ticket_or_404(request, number)
    return render(request, "tickets/detail.html", detail_context(request, ticket))


@login_required
@require_POST
def ticket_transition(request, number: str):
    ticket = ticket_or_404(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("tickets:detail", number=number)
    if (ticket.status, form.cleaned_data["to_status"]) in MOVE_ACTIONS:
        # This move has its own action, which asks for what it needs (the resolution, a
        # reason, the call's outcome): the plain status form does not make it.
        messages.error(request, _("Use the action for this step on the ticket page."))
        return redirect("tickets:detail", number=number)
    try:
        ticket = services.ticket_transition(ticket=ticket, actor=request.user, **form.cleaned_data)
        messages.success(
            request, _("Status is now “%(status)s”.") % {"status": ticket.get_status_display()}
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except StaleTicket as exc:
        # Lost a race: the current state, with why, so the agent decides again (409).
        messages.error(request, str(exc))
        fresh = ticket_or_404(request, number)
        return render(request, "tickets/detail.html", detail_context(request, fresh), status=409)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("tickets:detail", number=number)


@login_required
@require_POST
def customer_reveal(request, number: str):
    ticket = ticket_or_404(request, number)
    try:
        contact = services.customer_reveal(ticket=ticket, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    if request.htmx:
        return render(
            request, "tickets/partials/_customer.html", {"ticket": ticket, "contact": contact}
        )
    return render(
        request, "tickets/detail.html", {**detail_context(request, ticket), "contact": contact}
    )


@login_required
@require_POST
def ticket_wechat_reply(request, number: str):
    """The agent answers a WeChat ticket; outside WeChat's window it goes by SMS, and why."""
    ticket = ticket_or_404(request, number)
    try:
        reply = wechat_agent_reply(
            ticket=ticket, text=request.POST.get("text", ""), actor=request.user
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("tickets:detail", number=number)
    if reply.via == "wechat":
        messages.success(request, _("Reply queued for WeChat."))
    else:
        messages.warning(
            request,
            _("WeChat can no longer reach the customer (%(reason)s): the reply goes by SMS.")
            % {"reason": reply.reason},
        )
    return redirect("tickets:detail", number=number)


@login_required
@require_GET
def attachment_download(request, number: str, pk: int):
    """Attachments hold personal data: served only to users who may see the ticket."""
    ticket = ticket_or_404(request, number)
    attachment = get_object_or_404(ticket.attachments, pk=pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = f'inline; filename="attachment-{attachment.pk}"'
    response["Cache-Control"] = "private, no-store"
    return response
