"""POST a complaint from an integration: the same intake service every channel uses."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from intake.services import Complaint, complaint_register
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
        data = ComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if request.user.store_id:
            # Store staff register complaints for their own store only.
            fields["store"] = request.user.store
        registration = complaint_register(complaint=Complaint(**fields), actor=request.user)
        code = status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK
        ticket = (
            selectors.ticket_list_for_user(user=request.user)
            .filter(pk=registration.ticket.pk)
            .first()
        )
        if ticket is None:
            # Routed where this caller cannot look: confirm the number, show nothing else.
            return Response({"number": registration.ticket.number}, status=code)
        return Response(TicketOutputSerializer(ticket).data, status=code)
