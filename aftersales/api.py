"""API-wide pieces: domain errors become clear 4xx answers, never 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.exceptions import ValidationError
from rest_framework.fields import BooleanField
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class PingApi(APIView):
    """An authenticated no-op: integrations check their token; the benchmark's baseline."""

    @extend_schema(request=None, responses={200: inline_serializer("Ping", {"ok": BooleanField()})})
    def get(self, request):
        return Response({"ok": True})

    @extend_schema(
        request=None, responses={200: inline_serializer("PingPost", {"ok": BooleanField()})}
    )
    def post(self, request):
        return Response({"ok": True})
