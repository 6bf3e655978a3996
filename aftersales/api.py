"""API-wide pieces: domain errors become clear 4xx answers, never 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.fields import BooleanField, CharField
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from tickets.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.http_status)
    if isinstance(exc, RecursionError):
        # The JSON parser's answer to `[[[[…]]]]` thousands deep: bad input, not a crash.
        exc = ParseError()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


_ERROR = inline_serializer("Error", {"detail": CharField(), "code": CharField(required=False)})
_ERROR_MEANINGS = {
    400: "Bad input: each field at fault with its messages (or `detail`).",
    401: "No token, or an unknown one.",
    403: "This user's role may not do this.",
    404: "No such object among those this user may see.",
    409: "The ticket's state forbids this, or it changed since it was read (`code` says which).",
    415: "The body's content type is not JSON, a form or multipart.",
    429: "Too many requests: wait and retry.",
}


class FieldsCopiedShallow:
    """A flat serializer whose fields are shallow copies of its declared ones, per instance.

    DRF deep-copies each declared field for every serializer instance by running its
    __init__ again (~70 µs a field on our 2-core box): 1.4 ms for an 18-field complaint, a
    third of a whole no-op API request. A shallow copy (a new object holding the declared
    one's attributes) costs ~2 µs. That is safe for plain fields: `bind` sets each copy's own
    name, parent and source, and nothing later changes what a copy shares with the
    declaration (its arguments, choices, error messages); the validators list is copied in
    case someone appends to it. Nested serializers and list fields keep per-instance state
    of their own: they are refused.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, field in getattr(cls, "_declared_fields", {}).items():
            # A nested serializer, a list field, a many=True relation: each holds a bound
            # child that a shallow copy would share.
            nested = isinstance(field, BaseSerializer) or hasattr(field, "child")
            if nested or hasattr(field, "child_relation"):
                raise TypeError(f"{cls.__name__}.{name}: nested fields need DRF's deep copy.")

    def get_fields(self):
        fields = {}
        for name, declared in self._declared_fields.items():
            field = object.__new__(type(declared))
            field.__dict__.update(declared.__dict__, _validators=list(declared.validators))
            fields[name] = field
        return fields


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The 4xx answers an operation can give, for its `@extend_schema(responses=...)`."""
    return {
        code: OpenApiResponse(
            OpenApiTypes.OBJECT if code == 400 else _ERROR, description=_ERROR_MEANINGS[code]
        )
        for code in codes
    }


# What every operation behind a token may answer besides its success.
AUTHENTICATED = (401, 403)
# What an operation that reads a body may answer besides its success.
WITH_BODY = (400, 415)


class PingApi(APIView):
    """An authenticated no-op: integrations check their token; the benchmark's baseline."""

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("Ping", {"ok": BooleanField()}),
            **error_responses(*AUTHENTICATED),
        },
    )
    def get(self, request):
        return Response({"ok": True})

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("PingPost", {"ok": BooleanField()}),
            **error_responses(*AUTHENTICATED),
        },
    )
    def post(self, request):
        return Response({"ok": True})
