"""WeChat Work's side of the callback, written from the protocol and not from intake.wechat."""

from __future__ import annotations

import base64
import hashlib
import os
import time

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class WechatServer:
    """Signs and encrypts as WeChat Work does; `corp_id` is the receive id it appends."""

    def __init__(self, *, token: str, encoding_aes_key: str, corp_id: str) -> None:
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.corp_id = corp_id

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        parts = sorted([self.token, timestamp, nonce, encrypted])
        return hashlib.sha1("".join(parts).encode()).hexdigest()

    def plaintext(self, message: str, *, random16: bytes | None = None) -> bytes:
        body = message.encode("utf-8")
        prefix = random16 or os.urandom(16)
        return prefix + len(body).to_bytes(4, "big") + body + self.corp_id.encode()

    def seal_raw(self, plain: bytes, *, pad: bool = True) -> str:
        """AES-256-CBC, IV = key[:16]; PKCS#7 over 32-byte blocks (256 bits) unless told not."""
        if pad:
            padder = padding.PKCS7(256).padder()
            plain = padder.update(plain) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def seal(self, message: str, *, random16: bytes | None = None) -> str:
        return self.seal_raw(self.plaintext(message, random16=random16))

    def open(self, encrypted: str) -> str:
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        padded = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        unpadder = padding.PKCS7(256).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        length = int.from_bytes(plain[16:20], "big")
        assert plain[20 + length :] == self.corp_id.encode()
        return plain[20 : 20 + length].decode("utf-8")

    def query(self, encrypted: str, *, timestamp: str | None = None, nonce: str = "8n0nce"):
        """Signed query parameters; the timestamp is now unless told (WeChat sends its clock)."""
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        return {
            "msg_signature": self.sign(timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
        }

    @staticmethod
    def envelope(encrypted: str, *, to_user: str = "ww-corp", agent_id: str = "") -> str:
        return (
            f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<AgentID><![CDATA[{agent_id}]]></AgentID></xml>"
        )


def kf_event_xml(*, token: str = "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR") -> str:
    """The kf_msg_or_event callback as WeChat Work documents it."""
    return (
        "<xml><ToUserName><![CDATA[ww-corp]]></ToUserName>"
        "<CreateTime>1732262400</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[kf_msg_or_event]]></Event>"
        f"<Token><![CDATA[{token}]]></Token>"
        "<OpenKfId><![CDATA[wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw]]></OpenKfId></xml>"
    )
