"""Tickets API v1: list, detail, timeline, and one view per write (transition, reveal)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api import AUTHENTICATED, WITH_BODY, error_responses
from intake.api import CanRegisterTickets, ComplaintInputSerializer, complaint_register_response
from tickets import selectors, services
from tickets.errors import DomainError
from tickets.filters import TicketFilter
from tickets.models import Ticket, TicketEvent
from tickets.serializers import (
    RevealOutputSerializer,
    TicketEventOutputSerializer,
    TicketOutputSerializer,
    TransitionInputSerializer,
)
from tickets.services.work import MOVE_ACTIONS


class DueCursorPagination(CursorPagination):
    """Nearest due first; ties keep a stable order by id."""

    ordering = ("due_key", "id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class TicketFromUrlMixin:
    def get_ticket(self) -> Ticket:
        try:
            return selectors.ticket_get_for_user(
                user=self.request.user, number=self.kwargs["number"]
            )
        except Ticket.DoesNotExist:
            raise Http404 from None


@extend_schema_view(
    get=extend_schema(
        responses={
            200: TicketOutputSerializer(many=True),
            **error_responses(400, 404, *AUTHENTICATED),
        }
    )
)
class TicketListApi(generics.ListAPIView):
    """GET: the tickets this user may see. POST: register a complaint from another system."""

    serializer_class = TicketOutputSerializer
    pagination_class = DueCursorPagination
    filterset_class = TicketFilter
    filter_backends = [*generics.ListAPIView.filter_backends, OrderingFilter]
    ordering_fields = ["due_key", "received_at", "id"]

    def get_queryset(self):
        return selectors.ticket_list_for_user(user=self.request.user)

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), CanRegisterTickets()]
        return super().get_permissions()

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={
            201: TicketOutputSerializer,
            200: TicketOutputSerializer,
            **error_responses(*WITH_BODY, *AUTHENTICATED),
        },
    )
    def post(self, request):
        """Register a complaint (as /api/v1/intake/complaints/): same service, same answers."""
        return complaint_register_response(request)


@extend_schema_view(
    get=extend_schema(
        responses={200: TicketOutputSerializer, **error_responses(404, *AUTHENTICATED)}
    )
)
class TicketDetailApi(TicketFromUrlMixin, generics.RetrieveAPIView):
    serializer_class = TicketOutputSerializer

    def get_object(self):
        return self.get_ticket()


@extend_schema_view(
    get=extend_schema(
        responses={
            200: TicketEventOutputSerializer(many=True),
            **error_responses(404, *AUTHENTICATED),
        }
    )
)
class TicketTimelineApi(TicketFromUrlMixin, generics.ListAPIView):
    serializer_class = TicketEventOutputSerializer
    pagination_class = None
    queryset = TicketEvent.objects.none()  # the schema's model; get_queryset() scopes it

    def get_queryset(self):
        return selectors.ticket_timeline(ticket=self.get_ticket())


# Moves whose ticket-page action asks for more than a note: resolving says how it was
# resolved, holding and reopening say why. A bare status change may not skip that.
NEEDS_DETAILS = frozenset({"resolve", "hold", "reopen"})


class TicketTransitionApi(TicketFromUrlMixin, APIView):
    @extend_schema(
        request=TransitionInputSerializer,
        responses={
            200: TicketOutputSerializer,
            **error_responses(*WITH_BODY, *AUTHENTICATED, 404, 409),
        },
    )
    def post(self, request, number: str):
        ticket = self.get_ticket()  # 404 before the body: no ticket, nothing to validate
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if MOVE_ACTIONS.get((ticket.status, data.validated_data["to_status"])) in NEEDS_DETAILS:
            raise DomainError(
                _("This step needs details a status change cannot carry: use the ticket page.")
            )
        ticket = services.ticket_transition(
            ticket=ticket, actor=request.user, **data.validated_data
        )
        ticket = selectors.ticket_get_for_user(user=request.user, number=ticket.number)
        return Response(TicketOutputSerializer(ticket).data)


class TicketRevealApi(TicketFromUrlMixin, APIView):
    @extend_schema(
        request=None,
        responses={200: RevealOutputSerializer, **error_responses(*AUTHENTICATED, 404)},
    )
    def post(self, request, number: str):
        contact = services.customer_reveal(ticket=self.get_ticket(), actor=request.user)
        return Response(RevealOutputSerializer(contact).data, status=status.HTTP_200_OK)
