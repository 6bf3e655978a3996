"""Aliyun SMS (dysmsapi 2017-05-25, SendSms), RPC style with a signature version 1.0.

The request is a form POST (the phone number stays out of URLs and access logs). The
signature is base64(HMAC-SHA1(secret + "&", "POST&%2F&" + percent_encode(canonical query)))
where the canonical query is every parameter but Signature, sorted, percent-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings

from feedback.backends import (
    PermanentFailure,
    ProviderRateLimited,
    TemporaryFailure,
    template_code,
)
from feedback.models import CustomerMessage

API_VERSION = "2017-05-25"

# Per-number caps (minute / hour / day) and account throttling: try again later.
RATE_LIMIT_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User"}
)
# Problems of this very message that no retry fixes.
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.INVALID_PARAMETERS",
    }
)


def percent_encode(value: str) -> str:
    """RFC 3986 over UTF-8: only A-Z a-z 0-9 - _ . ~ stay as they are (space → %20)."""
    return quote(value, safe="~")


def aliyun_signature(*, method: str, params: Mapping[str, str], secret: str) -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(value)}"
        for key, value in sorted(params.items())
        if key != "Signature"
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_phone(e164: str) -> str:
    """Mainland numbers without a country code, others as country code + number, no "+"."""
    return e164.removeprefix("+86") if e164.startswith("+86") else e164.lstrip("+")


class AliyunSmsBackend:
    def send(self, message: CustomerMessage, *, now: datetime) -> str:
        params = {
            "AccessKeyId": settings.OUTBOX_ALIYUN_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(message.pk),
            "PhoneNumbers": aliyun_phone(message.phone),
            "RegionId": settings.OUTBOX_ALIYUN_REGION,
            "SignName": settings.OUTBOX_ALIYUN_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code("OUTBOX_ALIYUN_TEMPLATES", message.template_key),
            "TemplateParam": json.dumps(message.params, ensure_ascii=False),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = aliyun_signature(
            method="POST", params=params, secret=settings.OUTBOX_ALIYUN_ACCESS_KEY_SECRET
        )
        try:
            response = requests.post(
                settings.OUTBOX_ALIYUN_ENDPOINT,
                data=params,
                timeout=settings.OUTBOX_HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure("network", type(exc).__name__) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TemporaryFailure("bad_response", f"HTTP {response.status_code}")
        code = str(body.get("Code", ""))
        if code == "OK" and body.get("BizId"):
            return str(body["BizId"])
        detail = str(body.get("Message", ""))[:200]
        if code in RATE_LIMIT_CODES:
            raise ProviderRateLimited(code, detail)
        if code in PERMANENT_CODES:
            raise PermanentFailure(code, detail)
        raise TemporaryFailure(code or f"HTTP {response.status_code}", detail)
