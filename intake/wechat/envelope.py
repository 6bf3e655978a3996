"""The callback's XML: the outer envelope WeChat posts and the decrypted message inside it."""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# Field lengths of intake.models.WechatCallbackEvent: a longer value is not WeChat's.
_MAX_LENGTHS = {
    "MsgId": 64,
    "MsgType": 32,
    "Event": 64,
    "FromUserName": 128,
    "CreateTime": 20,
    "Token": 128,
    "OpenKfId": 64,
}


class EnvelopeError(ValueError):
    """Malformed XML, a DTD or entity, or a field WeChat Work would not send."""


@dataclass(frozen=True)
class CallbackMessage:
    """The fields of a decrypted callback that we store; empty when WeChat left one out."""

    msg_id: str
    msg_type: str
    event: str
    from_user: str
    create_time: str
    token: str
    open_kfid: str

    @property
    def dedupe_key(self) -> str:
        """MsgId if any; else sender | CreateTime | Event (| Token for kf events)."""
        if self.msg_id:
            return self.msg_id
        # kf_msg_or_event has no FromUserName: two customers writing in the same second would
        # collide on "|time|event", so its per-callback Token is part of the key.
        sender = self.from_user or self.open_kfid
        key = f"{sender}|{self.create_time}|{self.event}"
        return f"{key}|{self.token}" if self.token else key


def _parse(xml: str | bytes) -> dict[str, str]:
    """Children of the root <xml> as text; DTDs are refused outright (WeChat sends none)."""
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException) as exc:
        raise EnvelopeError(f"Bad XML: {exc}") from None
    if root.tag != "xml":
        raise EnvelopeError("The root element is not <xml>.")
    return {child.tag: (child.text or "").strip() for child in root}


def outer_encrypt(body: bytes) -> str:
    """The Encrypt field of the posted envelope."""
    encrypted = _parse(body).get("Encrypt", "")
    if not encrypted:
        raise EnvelopeError("No Encrypt in the envelope.")
    return encrypted


def inner_message(xml: str) -> CallbackMessage:
    fields = _parse(xml)
    for name, limit in _MAX_LENGTHS.items():
        if len(fields.get(name, "")) > limit:
            raise EnvelopeError(f"{name} is longer than {limit} characters.")
    message = CallbackMessage(
        msg_id=fields.get("MsgId", ""),
        msg_type=fields.get("MsgType", ""),
        event=fields.get("Event", ""),
        from_user=fields.get("FromUserName", ""),
        create_time=fields.get("CreateTime", ""),
        token=fields.get("Token", ""),
        open_kfid=fields.get("OpenKfId", ""),
    )
    if not message.msg_id and not (message.create_time and message.event):
        raise EnvelopeError("Neither MsgId nor CreateTime and Event: nothing to dedupe by.")
    return message
