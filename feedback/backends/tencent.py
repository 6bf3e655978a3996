"""Tencent Cloud SMS (API 3.0, SendSms 2021-01-11), signed with TC3-HMAC-SHA256.

1. Canonical request: POST, "/", "", the signed headers (content-type, host, x-tc-action)
   lower-cased as "name:value\\n", their names, and the hex SHA-256 of the exact body bytes.
2. String to sign: "TC3-HMAC-SHA256", the timestamp, "<UTC date>/sms/tc3_request" and the hex
   SHA-256 of the canonical request, one per line.
3. Key: HMAC-SHA256 chained from "TC3" + secret key over the date, "sms", "tc3_request";
   the signature is the hex HMAC of the string to sign with that key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings

from feedback.backends import (
    PermanentFailure,
    ProviderRateLimited,
    TemporaryFailure,
    template_code,
)
from feedback.models import CustomerMessage
from feedback.wording import DEFAULT_WORDINGS

API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = ("content-type", "host", "x-tc-action")

# Per-number and account caps: try again later. The 30-second cap clears in a minute.
RATE_LIMIT_CODES = frozenset(
    {
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.PhoneNumberSameContentDailyLimit",
        "LimitExceeded.DailyLimit",
        "LimitExceeded.DeliveryFrequencyLimit",
        "RequestLimitExceeded",
    }
)
RETRY_AFTER = {"LimitExceeded.PhoneNumberThirtySecondLimit": timedelta(minutes=1)}
PERMANENT_CODES = frozenset(
    {
        "InvalidParameterValue.IncorrectPhoneNumber",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.ContainSensitiveWord",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    }
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_signature(
    *,
    secret_key: str,
    timestamp: int,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload: bytes,
) -> str:
    """The hex signature of a POST to "/" with these (lower-case named) headers and body."""
    canonical_headers = "".join(
        f"{name}:{headers[name].strip().lower()}\n" for name in signed_headers
    )
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{SERVICE}/tc3_request"
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), SERVICE), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _classify(code: str, detail: str) -> Exception:
    if code in RATE_LIMIT_CODES:
        return ProviderRateLimited(code, detail, retry_after=RETRY_AFTER.get(code))
    if code in PERMANENT_CODES:
        return PermanentFailure(code, detail)
    return TemporaryFailure(code, detail)


class TencentSmsBackend:
    def send(self, message: CustomerMessage, *, now: datetime) -> str:
        wording = DEFAULT_WORDINGS[message.template_key]
        payload = json.dumps(
            {
                "PhoneNumberSet": [message.phone],
                "SmsSdkAppId": settings.OUTBOX_TENCENT_SDK_APP_ID,
                "SignName": settings.OUTBOX_TENCENT_SIGN_NAME,
                "TemplateId": template_code("OUTBOX_TENCENT_TEMPLATES", message.template_key),
                # Positional: the provider's template must list them in the default's order.
                "TemplateParamSet": [message.params.get(name, "") for name in wording.placeholders],
                "SessionContext": str(message.pk),
            },
            ensure_ascii=False,
        ).encode()
        timestamp = int(now.timestamp())
        endpoint = settings.OUTBOX_TENCENT_ENDPOINT
        headers = {
            "content-type": CONTENT_TYPE,
            "host": urlsplit(endpoint).netloc,
            "x-tc-action": "SendSms",
        }
        signature = tc3_signature(
            secret_key=settings.OUTBOX_TENCENT_SECRET_KEY,
            timestamp=timestamp,
            headers=headers,
            signed_headers=SIGNED_HEADERS,
            payload=payload,
        )
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        authorization = (
            f"{ALGORITHM} Credential={settings.OUTBOX_TENCENT_SECRET_ID}/{date}/{SERVICE}/"
            f"tc3_request, SignedHeaders={';'.join(SIGNED_HEADERS)}, Signature={signature}"
        )
        try:
            response = requests.post(
                endpoint,
                data=payload,
                headers={
                    "Authorization": authorization,
                    "Content-Type": CONTENT_TYPE,
                    "Host": headers["host"],
                    "X-TC-Action": "SendSms",
                    "X-TC-Timestamp": str(timestamp),
                    "X-TC-Version": API_VERSION,
                    "X-TC-Region": settings.OUTBOX_TENCENT_REGION,
                },
                timeout=settings.OUTBOX_HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure("network", type(exc).__name__) from exc
        try:
            body = response.json()["Response"]
            error = body.get("Error")
            status = None if error else body["SendStatusSet"][0]
            code = str((error or status)["Code"])
            detail = str((error or status).get("Message", ""))[:200]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise TemporaryFailure("bad_response", f"HTTP {response.status_code}") from None
        if status is not None and code == "Ok" and status.get("SerialNo"):
            return str(status["SerialNo"])
        raise _classify(code, detail)
