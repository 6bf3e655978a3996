"""WeChat Work's callback: GET verifies the URL, POST delivers an encrypted message or event."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from intake.wechat import crypto
from intake.wechat.envelope import EnvelopeError, inner_message, outer_encrypt
from intake.wechat.selectors import wechat_credentials
from intake.wechat.services import wechat_callback_event_record

logger = logging.getLogger(__name__)

# WeChat's envelopes are a few KB; refuse anything larger before reading it.
MAX_BODY_BYTES = 64 * 1024
_QUERY = ("msg_signature", "timestamp", "nonce")


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    """Answer within WeChat's 5 s: verify, decrypt, store; the work itself comes later."""
    now = timezone.now()
    credentials = wechat_credentials()
    if not credentials.callback_ready:
        return _text(_("WeChat Work is not configured."), status=503)
    corp_id, token = credentials.corp_id, credentials.token
    params = {name: request.GET.get(name, "") for name in _QUERY}
    if not all(params.values()):
        return _text(_("Missing callback parameters."), status=400)
    try:
        if request.method == "GET":
            encrypted = request.GET.get("echostr", "")
            if not encrypted:
                return _text(_("Missing callback parameters."), status=400)
        else:
            if _content_length(request) > MAX_BODY_BYTES:
                return _text(_("The request body is too large."), status=413)
            encrypted = outer_encrypt(request.body)
        if not crypto.signature_matches(
            msg_signature=params["msg_signature"],
            token=token,
            timestamp=params["timestamp"],
            nonce=params["nonce"],
            encrypted=encrypted,
        ):
            return _text(_("Bad signature."), status=403)
        if not crypto.timestamp_fresh(
            timestamp=params["timestamp"],
            now=now,
            tolerance_seconds=settings.WECHAT_WORK_TIMESTAMP_TOLERANCE_SECONDS,
        ):
            # Signed but old (or from the future): a replay, refused like a forgery.
            logger.warning("WeChat callback with a stale timestamp refused")
            return _text(_("Stale timestamp."), status=403)
        plain = crypto.decrypt(encrypted=encrypted, key=credentials.aes_key, receive_id=corp_id)
        if request.method == "GET":
            return _text(plain)
        message = inner_message(plain)
    except crypto.WechatReceiveIdMismatch as exc:
        # A message for another corp is refused like a forged one (issue 4: 403).
        logger.warning("WeChat callback for another corp refused: %s", exc)
        return _text(_("Bad signature."), status=403)
    except (crypto.WechatCryptoError, EnvelopeError) as exc:
        logger.warning("WeChat callback refused: %s", exc)
        return _text(_("Bad callback message."), status=400)
    _event, created = wechat_callback_event_record(message=message, raw_xml=plain, now=now)
    if not created:
        logger.info("WeChat callback retried: %s", message.dedupe_key)
    # The protocol's acknowledgement, never translated.
    return _text("success")


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY_BYTES + 1
