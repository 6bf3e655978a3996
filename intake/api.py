"""Intake API: register a complaint from an integration (the same service every channel uses),
and triage a description as the customer types it."""

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from intake.services import Complaint, complaint_register
from intake.triage import TriageInput, triage
from tickets import selectors
from tickets.models import Store, Ticket
from tickets.serializers import TicketOutputSerializer


class CanRegisterTickets(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("tickets.add_ticket")


class ComplaintInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices)
    external_ref = serializers.CharField(max_length=100, required=False, allow_null=True)
    customer_name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=40)
    product_model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    batch = serializers.CharField(max_length=100, required=False, allow_blank=True)
    purchase_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=5000)
    scene = serializers.CharField(max_length=200, required=False, allow_blank=True)
    symptom = serializers.CharField(max_length=200, required=False, allow_blank=True)
    frequency = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tried = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description_confirmed = serializers.BooleanField(required=False, default=False)
    confirmed_via = serializers.ChoiceField(
        choices=Ticket.ConfirmedVia.choices, required=False, allow_blank=True
    )
    customer_urgency = serializers.ChoiceField(choices=Ticket.Urgency.choices, required=False)
    tier = serializers.ChoiceField(choices=Ticket.Tier.choices, required=False)
    category = serializers.ChoiceField(choices=Ticket.Category.choices, required=False)
    store = serializers.SlugRelatedField(
        slug_field="code", queryset=Store.objects.all(), required=False, allow_null=True
    )


class ComplaintRegisterApi(APIView):
    permission_classes = [IsAuthenticated, CanRegisterTickets]

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={201: TicketOutputSerializer, 200: TicketOutputSerializer},
    )
    def post(self, request):
        """Register a complaint; the same (channel, external_ref) again returns the first ticket."""
        return complaint_register_response(request)


def complaint_register_response(request) -> Response:
    """Validate, register through intake, answer 201 (new) or 200 (a retry's first ticket)."""
    data = ComplaintInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    if request.user.store_id:
        # Store staff register complaints for their own store only.
        fields["store"] = request.user.store
    registration = complaint_register(complaint=Complaint(**fields), actor=request.user)
    if registration.created:
        # The registrar may always see what they registered: no need to read it back.
        ticket = registration.ticket
        prefetch_related_objects([ticket], selectors.tags_prefetch())
        return Response(TicketOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)
    code = status.HTTP_200_OK
    ticket = (
        selectors.ticket_list_for_user(user=request.user).filter(pk=registration.ticket.pk).first()
    )
    if ticket is None:
        # Routed where this caller cannot look: confirm the number, show nothing else.
        return Response({"number": registration.ticket.number}, status=code)
    return Response(TicketOutputSerializer(ticket).data, status=code)


class TriageInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    scene = serializers.CharField(max_length=200, required=False, allow_blank=True)
    symptom = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tried = serializers.CharField(max_length=200, required=False, allow_blank=True)
    product_model = serializers.CharField(max_length=100, required=False, allow_blank=True)
    urgency_self = serializers.ChoiceField(
        choices=Ticket.Urgency.choices, required=False, allow_blank=True
    )


class TriageTagOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(source="parent.name", default="")


class TriageMissingOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    prompt = serializers.CharField()


class TriageOutputSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Ticket.Tier.choices)
    category = serializers.ChoiceField(choices=Ticket.Category.choices)
    tags = TriageTagOutputSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    missing = TriageMissingOutputSerializer(many=True)


class TriageAnonThrottle(AnonRateThrottle):
    """The public form calls this while the customer types; staff are not throttled."""

    rate = "60/min"


class TriageApi(APIView):
    """Public (the website form's live hints): VIP and repeat are intake's to know, not asked."""

    permission_classes = [AllowAny]
    throttle_classes = [TriageAnonThrottle]

    @extend_schema(request=TriageInputSerializer, responses={200: TriageOutputSerializer})
    def post(self, request):
        """Tier, category, tags, reasons and what the description still lacks; creates nothing."""
        data = TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = triage(TriageInput(**data.validated_data))
        return Response(TriageOutputSerializer(result).data)
