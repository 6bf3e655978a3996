"""SLA preview: when a ticket of a tier, received at a moment, will be contacted and resolved.

Public (the website form tells the customer when they will be contacted before they submit),
throttled like the triage endpoint, creates nothing.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from aftersales.api import error_responses
from sla.calendar import SHANGHAI
from sla.policy import deadlines_for
from tickets.models import Ticket

# Unencoded, a "+08:00" offset arrives in a query string as " 08:00": read it as meant.
_SPACE_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")
# The calendar holds 2004 onwards; far-off years only risk overflowing the arithmetic.
_YEARS = range(2000, 2100)


class AwareDateTimeField(serializers.Field):
    """ISO 8601 with a UTC offset (or Z); a time without one is refused, never guessed."""

    default_error_messages = {
        "invalid": _("Use ISO 8601 with a UTC offset, e.g. 2026-10-01T10:00:00+08:00."),
        "naive": _("Give the UTC offset, e.g. +08:00: a time without one is ambiguous."),
        "range": _("Use a year from 2000 to 2099."),
    }

    def to_internal_value(self, data) -> datetime:
        text = _SPACE_OFFSET.sub(r"+\1", str(data).strip())
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.fail("invalid")
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail("naive")
        if moment.year not in _YEARS:
            self.fail("range")
        return moment

    def to_representation(self, value: datetime) -> str:
        return value.astimezone(SHANGHAI).isoformat()


class SlaPreviewInputSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Ticket.Tier.choices)
    received_at = AwareDateTimeField(required=False)


class SlaPreviewOutputSerializer(serializers.Serializer):
    tier = serializers.CharField()
    received_at = serializers.DateTimeField(default_timezone=SHANGHAI)
    first_contact_due_at = serializers.DateTimeField(default_timezone=SHANGHAI)
    resolve_due_at = serializers.DateTimeField(default_timezone=SHANGHAI, allow_null=True)
    calendar_gaps = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Years without holiday data that the computation reached (Mon–Fri assumed).",
    )


class SlaPreviewAnonThrottle(AnonRateThrottle):
    """The public form asks once per tier the customer's text leads to; staff are not throttled."""

    scope = "sla_preview"
    rate = "60/min"


class SlaPreviewApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [SlaPreviewAnonThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("tier", OpenApiTypes.STR, enum=Ticket.Tier.values, required=True),
            OpenApiParameter(
                "received_at",
                OpenApiTypes.DATETIME,
                description="ISO 8601 with a UTC offset; default: now.",
            ),
        ],
        responses={200: SlaPreviewOutputSerializer, **error_responses(400, 429)},
    )
    def get(self, request):
        """First-contact and resolution due times (Asia/Shanghai) and any calendar gaps."""
        data = SlaPreviewInputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        tier = data.validated_data["tier"]
        received_at = data.validated_data.get("received_at") or timezone.now()
        deadlines = deadlines_for(tier=tier, received_at=received_at)
        result = {
            "tier": tier,
            "received_at": received_at,
            "first_contact_due_at": deadlines.first_contact_due_at,
            "resolve_due_at": deadlines.resolve_due_at,
            "calendar_gaps": list(deadlines.calendar_gaps),
        }
        return Response(SlaPreviewOutputSerializer(result).data)
