"""Delivery receipts: the providers' status-report callbacks, token-protected, idempotent."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback.receipts import ReceiptError, receipts_parse
from feedback.services import message_receipt_record

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
