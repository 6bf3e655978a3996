"""Intake API: register a complaint from an integration (the same service every channel uses),
and triage a description as the customer types it."""

from django.db.models import Q, prefetch_related_objects
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from aftersales.api import AUTHENTICATED, WITH_BODY, FieldsCopiedShallow, error_responses
from intake.models import Submission
from intake.services import Complaint, complaint_register, submission_accept
from intake.triage import TriageInput, triage
from tickets import selectors
from tickets.models import Store, Ticket
from tickets.phones import phone_normalise
from tickets.serializers import TicketOutputSerializer


class CanRegisterTickets(BasePermission):
    def has_permission(self, request, view):
        return selectors.user_holds_permission(request.user, "tickets.add_ticket")


class ComplaintInputSerializer(FieldsCopiedShallow, serializers.Serializer):
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

    def validate_phone(self, value: str) -> str:
        """Checked here too, so a bad phone is named with every other bad field at once."""
        phone_normalise(value)
        return value


class ComplaintRegisterApi(APIView):
    permission_classes = [IsAuthenticated, CanRegisterTickets]

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={
            201: TicketOutputSerializer,
            200: TicketOutputSerializer,
            **error_responses(*WITH_BODY, *AUTHENTICATED),
        },
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


class SubmissionOutputSerializer(FieldsCopiedShallow, serializers.Serializer):
    number = serializers.SerializerMethodField(
        help_text="The ticket's number: reserved on acceptance, the ticket's once registered."
    )
    state = serializers.ChoiceField(choices=Submission.State.choices)
    received_at = serializers.DateTimeField()
    registered_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(help_text="Why it could not be registered, if it failed.")

    def get_number(self, submission: Submission) -> str:
        return submission.ticket.number if submission.ticket_id else submission.number


class SubmissionApi(APIView):
    """Bulk and machine channels: accept now (202 with the ticket number), register moments
    later. The same (channel, external_ref) again answers 200 with the first submission."""

    permission_classes = [IsAuthenticated, CanRegisterTickets]

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={
            202: SubmissionOutputSerializer,
            200: SubmissionOutputSerializer,
            **error_responses(*WITH_BODY, *AUTHENTICATED),
        },
    )
    def post(self, request):
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if request.user.store_id:
            fields["store"] = request.user.store
        submission, created = submission_accept(complaint=Complaint(**fields), actor=request.user)
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(SubmissionOutputSerializer(submission).data, status=code)


class SubmissionDetailApi(APIView):
    """Where a submission stands; only whoever submitted it may ask."""

    permission_classes = [IsAuthenticated, CanRegisterTickets]

    @extend_schema(
        responses={200: SubmissionOutputSerializer, **error_responses(404, *AUTHENTICATED)}
    )
    def get(self, request, number: str):
        submission = (
            Submission.objects.filter(actor=request.user)
            .filter(Q(number=number) | Q(ticket__number=number))
            .select_related("ticket")
            .first()
        )
        if submission is None:
            raise NotFound()
        return Response(SubmissionOutputSerializer(submission).data)


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

    @extend_schema(
        request=TriageInputSerializer,
        responses={200: TriageOutputSerializer, **error_responses(*WITH_BODY, 429)},
    )
    def post(self, request):
        """Tier, category, tags, reasons and what the description still lacks; creates nothing."""
        data = TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = triage(TriageInput(**data.validated_data))
        return Response(TriageOutputSerializer(result).data)
