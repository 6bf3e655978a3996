"""线下门店登记: store staff register a walk-in complaint on a tablet, photos included."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from intake.attachments import MAX_FILES
from intake.forms.store import StoreComplaintForm
from intake.services import complaint_register_with_files
from tickets.models import Store, Ticket, User


@login_required
@require_http_methods(["GET", "POST"])
def store_form(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("tickets.add_ticket"):
        raise PermissionDenied
    store = request.user.store
    if store is None:
        # Managers and agents register through the hotline form or the API, naming the store.
        return render(request, "intake/store/no_store.html", status=403)
    if request.method == "GET":
        form = StoreComplaintForm()
    else:
        form = StoreComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket = _register(form, user=request.user, store=store)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request, _("Ticket %(number)s registered.") % {"number": ticket.number}
                )
                return redirect("tickets:detail", number=ticket.number)
    context = {
        "form": form,
        "store": store,
        "max_files": MAX_FILES,
        "max_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "intake/store/form.html", context, status=400 if form.errors else 200)


def _register(form: StoreComplaintForm, *, user: User, store: Store) -> Ticket:
    """The ticket and its files in one transaction: a failed upload leaves no ticket."""
    now = timezone.now()
    complaint = form.complaint(
        channel=Ticket.Channel.STORE,
        description_confirmed=True,
        confirmed_via=Ticket.ConfirmedVia.STORE,
        store=store,  # from the user, never from the POST
    )
    registration = complaint_register_with_files(
        complaint=complaint, uploads=form.cleaned_data["files"], actor=user, now=now
    )
    return registration.ticket
