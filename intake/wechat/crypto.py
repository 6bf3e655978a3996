"""WeChat Work's callback crypto (WXBizMsgCrypt-compatible), on `cryptography`.

1. signature = sha1 of the sorted [token, timestamp, nonce, encrypted], joined.
2. AES key = base64 of EncodingAESKey + "=", 32 bytes; AES-256-CBC with IV = key[:16].
3. plaintext = 16 random bytes, 4-byte big-endian length in bytes of the UTF-8 message,
   the message, the receive id (our corp id); PKCS#7-padded to a 32-byte block.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from datetime import datetime

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# WeChat pads to 32 bytes, not AES's 16: a 16-byte-block PKCS#7 check would reject its output.
PAD_BLOCK = 32
ENCODING_AES_KEY_LENGTH = 43
_RANDOM_LENGTH = 16
_LENGTH_PREFIX = struct.Struct(">I")


class WechatCryptoError(ValueError):
    """The key, signature input or ciphertext is not what WeChat Work would send."""


class WechatReceiveIdMismatch(WechatCryptoError):
    """The message decrypted, but it is addressed to another corp id."""


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != ENCODING_AES_KEY_LENGTH:
        raise WechatCryptoError("EncodingAESKey must be 43 characters.")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise WechatCryptoError("EncodingAESKey is not base64.") from None
    if len(key) != 32:
        raise WechatCryptoError("EncodingAESKey must decode to 32 bytes.")
    return key


def aes_key_valid(encoding_aes_key: str) -> bool:
    try:
        aes_key(encoding_aes_key)
    except WechatCryptoError:
        return False
    return True


def signature(*, token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce, encrypted]))
    # SHA-1 is WeChat's choice, not ours: the protocol fixes it.
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324


def signature_matches(
    *, msg_signature: str, token: str, timestamp: str, nonce: str, encrypted: str
) -> bool:
    expected = signature(token=token, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    # Bytes, not str: compare_digest raises TypeError on non-ASCII str from a forged request.
    return hmac.compare_digest(expected.encode(), msg_signature.encode())


def timestamp_fresh(*, timestamp: str, now: datetime, tolerance_seconds: int) -> bool:
    """The request's timestamp is within the tolerance of `now`, either way (no replays)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= tolerance_seconds


def encrypt(*, message: str, key: str, receive_id: str, random16: bytes | None = None) -> str:
    """Base64 ciphertext of `message` under the EncodingAESKey `key`."""
    aes = aes_key(key)
    prefix = os.urandom(_RANDOM_LENGTH) if random16 is None else random16
    if len(prefix) != _RANDOM_LENGTH:
        raise WechatCryptoError("random16 must be 16 bytes.")
    body = message.encode()
    plain = prefix + _LENGTH_PREFIX.pack(len(body)) + body + receive_id.encode()
    pad = PAD_BLOCK - len(plain) % PAD_BLOCK
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(aes), modes.CBC(aes[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")


def decrypt(*, encrypted: str, key: str, receive_id: str) -> str:
    """The message inside `encrypted`; WechatCryptoError unless it is well formed and ours."""
    aes = aes_key(key)
    try:
        cipher_bytes = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise WechatCryptoError("Ciphertext is not base64.") from None
    if not cipher_bytes or len(cipher_bytes) % PAD_BLOCK:
        raise WechatCryptoError("Ciphertext length is not a multiple of 32 bytes.")
    decryptor = Cipher(algorithms.AES(aes), modes.CBC(aes[:16])).decryptor()
    plain = decryptor.update(cipher_bytes) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise WechatCryptoError("Bad padding.")
    content = plain[_RANDOM_LENGTH:-pad]
    if len(content) < _LENGTH_PREFIX.size:
        raise WechatCryptoError("Plaintext too short.")
    (length,) = _LENGTH_PREFIX.unpack_from(content)
    end = _LENGTH_PREFIX.size + length
    if end > len(content):
        raise WechatCryptoError("Message length exceeds the plaintext.")
    if content[end:] != receive_id.encode():
        raise WechatReceiveIdMismatch("The message is for another corp id.")
    try:
        return content[_LENGTH_PREFIX.size : end].decode()
    except UnicodeDecodeError:
        raise WechatCryptoError("Message is not UTF-8.") from None
