"""官网售后入口: the public website form (preview, then confirm), its result page, status lookup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited
from redis.exceptions import RedisError

from intake import selectors
from intake.forms.web import StatusLookupForm, WebComplaintForm
from intake.services import complaint_register
from tickets.models import Ticket
from tickets.phones import phone_normalise

logger = logging.getLogger(__name__)

DONE_SALT = "intake.web.done"
# (group, key, rate): per IP and per phone, on every new registration and every lookup.
PREVIEW_LIMITS = [("intake.web.preview.ip", "ip", "60/h")]
SUBMIT_LIMITS = [("intake.web.submit.ip", "ip", "20/h"), ("intake.web.submit.phone", None, "5/h")]
LOOKUP_LIMITS = [("intake.web.lookup.ip", "ip", "10/m"), ("intake.web.lookup.phone", None, "20/h")]

S = Ticket.Status
# What the customer reads: where their case is, not our internal queue names.
CUSTOMER_STATUS = {
    S.NEW: _("Received: a specialist will contact you"),
    S.CONTACTED: _("A specialist has contacted you"),
    S.IN_PROGRESS: _("Being handled"),
    S.WAITING_PARTS: _("Waiting for spare parts"),
    S.WAITING_TECHNICAL: _("Being checked by our technical support"),
    S.WAITING_CUSTOMER: _("Waiting for your reply"),
    S.RESOLVED: _("Resolved"),
    S.CLOSED: _("Closed"),
    S.REOPENED: _("Being handled again"),
}


def _over_limit(request: HttpRequest, limits: list, phone: str = "") -> bool:
    """Count this request against each limit; True when any is exceeded."""
    for group, key, rate in limits:
        key_fn: str | Callable = key or (lambda _group, _request: phone)
        try:
            limited = is_ratelimited(request, group=group, key=key_fn, rate=rate, increment=True)
        except RedisError:
            # Fail open: with Redis down, a customer's complaint still gets through.
            logger.exception("rate limit %s not counted: Redis unavailable", group)
            return False
        if limited:
            logger.warning("rate limit %s hit", group)
            return True
    return False


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/web/too_many.html", status=429)


def _api_url(name: str) -> str:
    # The triage endpoint powers the live hints, the SLA preview the contact-time hint;
    # without them the form simply shows none.
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _form_page(request, form, *, status: int = 200, expired: bool = False) -> HttpResponse:
    context = {
        "form": form,
        "triage_url": _api_url("api-triage"),
        "sla_preview_url": _api_url("api-sla-preview"),
        "expired": expired,
    }
    return render(request, "intake/web/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def web_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form_page(request, WebComplaintForm())
    if "payload" in request.POST:
        return _confirm(request)
    if _over_limit(request, PREVIEW_LIMITS):
        return _too_many(request)
    form = WebComplaintForm(request.POST)
    if form.is_bot():
        logger.info("website form honeypot filled: nothing registered")
        return render(request, "intake/web/done.html", {"ticket": None})
    if not form.is_valid():
        return _form_page(request, form, status=400)
    context = {"form": form, "payload": form.signed_payload()}
    return render(request, "intake/web/preview.html", context)


def _confirm(request: HttpRequest) -> HttpResponse:
    """The customer confirmed the summary (or wants to edit it): re-validate, then register."""
    try:
        form = WebComplaintForm.from_payload(request.POST["payload"])
    except signing.BadSignature:
        return _form_page(request, WebComplaintForm(), status=400, expired=True)
    if request.POST.get("action") == "edit" or not form.is_valid():
        return _form_page(request, form, status=200 if form.is_valid() else 400)
    phone = phone_normalise(form.cleaned_data["phone"])
    if _over_limit(request, SUBMIT_LIMITS, phone=phone):
        return _too_many(request)
    complaint = form.complaint(
        channel=Ticket.Channel.WEB,
        description_confirmed=True,
        confirmed_via=Ticket.ConfirmedVia.PREVIEW,
    )
    try:
        ticket = complaint_register(complaint=complaint, actor=None).ticket
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _form_page(request, form, status=400)
    return redirect("intake:web_done", token=signing.dumps(ticket.pk, salt=DONE_SALT))


def web_done(request: HttpRequest, token: str) -> HttpResponse:
    # A signed id: the page cannot be found by counting ticket numbers.
    try:
        pk = signing.loads(token, salt=DONE_SALT)
    except signing.BadSignature:
        raise Http404 from None
    ticket = get_object_or_404(Ticket, pk=pk, channel=Ticket.Channel.WEB)
    return render(request, "intake/web/done.html", {"ticket": ticket})


def _promise(ticket: Ticket) -> tuple[str, datetime | None]:
    """The next thing we promised the customer, and by when."""
    if ticket.status == S.CLOSED:
        return "", None
    if ticket.status == S.RESOLVED:
        return _("We will call you back about your satisfaction by"), ticket.callback_due_at
    if ticket.first_contacted_at is None:
        return _("We will contact you by"), ticket.first_contact_due_at
    return _("We aim to resolve it by"), ticket.resolve_due_at


@require_http_methods(["GET", "POST"])
def web_status(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "intake/web/status.html", {"form": StatusLookupForm()})
    form = StatusLookupForm(request.POST)
    if _over_limit(request, LOOKUP_LIMITS[:1]):
        return _too_many(request)
    if not form.is_valid():
        return render(request, "intake/web/status.html", {"form": form}, status=400)
    phone = form.cleaned_data["phone"]
    if _over_limit(request, LOOKUP_LIMITS[1:], phone=phone):
        return _too_many(request)
    ticket = selectors.ticket_for_status_lookup(
        number=form.cleaned_data["number"], phone_e164=phone
    )
    context = {"form": form, "looked_up": True, "ticket": ticket}
    if ticket is not None:
        label, at = _promise(ticket)
        context |= {"customer_status": CUSTOMER_STATUS[ticket.status], "promise": label, "at": at}
    return render(request, "intake/web/status.html", context)
