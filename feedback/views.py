"""Delivery receipts (the providers' status reports, token-protected, idempotent), the
customer's survey page and the agents' satisfaction callbacks."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.forms import CallbackForm, SurveyForm
from feedback.models import CallbackTask, Survey
from feedback.receipts import ReceiptError, receipts_parse
from feedback.selectors import (
    callback_get_for_user,
    callbacks_open_for,
    second_handling_for_lead,
)
from feedback.services import SurveyClosed, callback_record, message_receipt_record, survey_answer
from feedback.surveys import survey_from_token
from tickets.errors import DomainError, PermissionDeniedError

# What each provider expects back: success, and the shape of a refusal.
ANSWERS = {
    "aliyun": ({"code": 0, "msg": "成功"}, lambda msg: {"code": 1, "msg": msg}),
    "tencent": ({"result": 0, "errmsg": "OK"}, lambda msg: {"result": 1, "errmsg": msg}),
}


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.OUTBOX_RECEIPT_TOKEN
    given = request.GET.get("token") or request.headers.get("X-Outbox-Token", "")
    # No token configured: receipts are off, every caller is refused.
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def receipts_receive(request: HttpRequest, backend: str) -> JsonResponse:
    ok, refusal = ANSWERS[backend]
    if not _token_ok(request):
        return JsonResponse(refusal("invalid token"), status=403)
    try:
        receipts = receipts_parse(backend=backend, data=json.loads(request.body))
    except ValueError as exc:  # ReceiptError, or not JSON / not UTF-8 at all
        message = str(exc) if isinstance(exc, ReceiptError) else "body is not JSON"
        return JsonResponse(refusal(message), status=400)
    for receipt in receipts:
        message_receipt_record(backend=backend, receipt=receipt)
    return JsonResponse(ok, json_dumps_params={"ensure_ascii": False})


# --- closing the loop: the customer's survey page, the agents' callbacks -------------------


def _survey_closed(request: HttpRequest, state: str, *, status: int = 200) -> HttpResponse:
    return render(request, "feedback/survey/closed.html", {"state": state}, status=status)


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's survey, reached by the signed link; no login, CSRF on.

    Forged, tampered and unknown links get one page (404), so ids cannot be probed; an
    expired link 410; a used one, or a second submission, a polite "already received".
    Field errors answer 200, not 400: Django logs 4xx requests with their path, and a live
    link's path is its token.
    """
    survey = survey_from_token(token)
    if survey is None:
        return _survey_closed(request, "invalid", status=404)
    if survey.is_answered:
        return _survey_closed(request, "answered")
    now = timezone.now()
    if survey.expires_at <= now:
        return _survey_closed(request, "expired", status=410)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            survey_answer(survey=survey, via=Survey.Via.LINK, now=now, **form.cleaned_data)
        except SurveyClosed as exc:
            state = "answered" if exc.already_answered else "expired"
            return _survey_closed(request, state, status=200 if exc.already_answered else 410)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _survey_closed(request, "thanks")
    return render(request, "feedback/survey/form.html", {"form": form, "ticket": survey.ticket})


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _require_callbacks(request: HttpRequest) -> None:
    if not request.user.has_perm("tickets.transition_ticket"):
        raise PermissionDenied


@login_required
@require_GET
def callbacks_list(request: HttpRequest) -> HttpResponse:
    """Open callbacks of the user's teams, earliest due first; for leads, second handling."""
    _require_callbacks(request)
    queue = callbacks_open_for(user=request.user)
    second = second_handling_for_lead(user=request.user)
    context = {"queue": queue, "second_handling": second, "now": timezone.now()}
    return render(request, "feedback/callbacks/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def callback_task(request: HttpRequest, pk: int) -> HttpResponse:
    """One callback: the ticket in brief, then the call's outcome and the answers, one form."""
    _require_callbacks(request)
    task = callback_get_for_user(user=request.user, pk=pk)
    if task is None:
        raise Http404
    form = CallbackForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                callback_record(task=task, actor=request.user, **form.cleaned_data)
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc)) from exc
            except ValidationError as exc:
                _add_errors(form, exc)
            except DomainError as exc:
                messages.error(request, str(exc))
                status = exc.http_status
            else:
                messages.success(
                    request, _("Callback recorded for %(number)s.") % {"number": task.ticket.number}
                )
                return redirect("feedback:callbacks")
    context = {"task": task, "form": form, "done": task.status == CallbackTask.Status.DONE}
    return render(request, "feedback/callbacks/task.html", context, status=status)
