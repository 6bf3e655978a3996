"""The 400 hotline: the agent's form during the call, the caller's history, the call webhook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import AUTHENTICATED, WITH_BODY, error_responses
from intake import selectors, services
from intake.forms.phone import READBACK, HotlineForm, readback_line
from intake.models import Call
from tickets.models import Product, Ticket
from tickets.phones import phone_normalise

can_register = permission_required("tickets.add_ticket", raise_exception=True)


@login_required
@can_register
def hotline_form(request):
    if request.user.store_id:
        # Store staff register walk-ins at their store; a hotline ticket from them would name
        # the wrong channel and no store. Nothing posted here is stored.
        if request.method != "GET":
            raise PermissionDenied
        return redirect("intake:store_form")
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = _register(request, form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, _("Ticket %(number)s registered.") % {"number": ticket.number}
            )
            return redirect("tickets:detail", number=ticket.number)
    return render(
        request,
        "intake/phone/form.html",
        {
            "form": form,
            "readback_template": str(READBACK),
            "readback": readback_line(
                product=form["product_model"].value() or "",
                scene=form["scene"].value() or "",
                symptom=form["symptom"].value() or "",
            ),
            "products": Product.objects.order_by("model_code").only("model_code", "name"),
        },
        # Refused input answers 400 like every form: the page names the fields to fix.
        status=400 if form.is_bound else 200,
    )


def _register(request, form: HotlineForm) -> Ticket:
    """Register during the call; a call from the call centre names the ticket's reference."""
    data = form.cleaned_data
    # Only this agent's (or an unrouted) call; an attached one still names the reference, so
    # a double-clicked submit finds the first ticket.
    calls = Call.objects.filter(Q(agent=request.user) | Q(agent__isnull=True))
    call = calls.filter(pk=data["call"]).first() if data["call"] else None
    ref = f"call:{call.vendor}:{call.call_id}" if call else f"form:{data['idempotency_key']}"
    complaint = services.Complaint(
        channel=Ticket.Channel.PHONE,
        external_ref=ref,
        customer_name=data["customer_name"],
        phone=data["phone"],
        product_model=data["product_model"],
        batch=data["batch"],
        purchase_date=data["purchase_date"],
        description=data["description"],
        scene=data["scene"],
        symptom=data["symptom"],
        frequency=data["frequency"],
        tried=data["tried"],
        customer_urgency=data["customer_urgency"],
        description_confirmed=True,
        confirmed_via=Ticket.ConfirmedVia.READ_BACK,
    )
    return services.complaint_register_during_call(
        complaint=complaint, call=call, actor=request.user
    ).ticket


@login_required
@can_register
@require_GET
def caller_history(request):
    """htmx: the caller's earlier tickets, shown as the agent types the number."""
    try:
        phone = phone_normalise(request.GET.get("phone", ""))
    except ValidationError:
        return render(request, "intake/phone/_history.html", {"tickets": None})
    tickets = selectors.caller_history(user=request.user, phone_e164=phone)
    return render(request, "intake/phone/_history.html", {"tickets": tickets})


@login_required
@can_register
@require_GET
def ringing_call(request):
    """htmx poll: the call ringing at this agent's desk, to pre-fill the form."""
    call = selectors.ringing_call_for(agent=request.user, now=timezone.now())
    return render(request, "intake/phone/_ringing.html", {"call": call})


CALL_YEARS = range(2000, 2100)


class CanRecordCalls(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("intake.add_call")


class CallEventInputSerializer(serializers.Serializer):
    vendor = serializers.CharField(max_length=50)
    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=["started", "answered", "ended"])
    occurred_at = serializers.DateTimeField()
    caller = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    callee = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    recording_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    direction = serializers.ChoiceField(
        choices=Call.Direction.choices, required=False, default=Call.Direction.INBOUND
    )

    def validate_occurred_at(self, value):
        # A call in year 118 is a vendor's bug, and before 1901 Shanghai's offset has seconds
        # in it that no ISO 8601 reader accepts back.
        if value.year not in CALL_YEARS:
            raise serializers.ValidationError(_("Use a year from 2000 to 2099."))
        return value


class CallOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = [
            "vendor",
            "call_id",
            "direction",
            "started_at",
            "answered_at",
            "ended_at",
            "recording_url",
            "ticket",
        ]


class CallEventsWebhook(APIView):
    """The call centre posts call started / answered / ended events here (token auth)."""

    permission_classes = [IsAuthenticated, CanRecordCalls]

    @extend_schema(
        request=CallEventInputSerializer,
        responses={200: CallOutputSerializer, **error_responses(*WITH_BODY, *AUTHENTICATED)},
    )
    def post(self, request):
        data = CallEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        event = services.CallEvent(agent_username=fields.pop("agent"), **fields)
        return Response(CallOutputSerializer(services.call_event_record(event=event)).data)
