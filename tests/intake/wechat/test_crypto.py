import base64

import pytest

from intake.wechat import crypto
from tests.intake.wechat.wechat_server import WechatServer

# WeChat Work's published test vector for URL verification.
VECTOR = {
    "token": "QDG6eK",
    "key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "corp_id": "wx5823bf96d3bd56c7",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "echostr": (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    ),
    "plain": "1616140317555161061",
}
CORP = "ww-corp"


@pytest.fixture
def server(aes_key):
    return WechatServer(token="t", encoding_aes_key=aes_key, corp_id=CORP)


def test_official_vector_signature_and_decryption():
    sig = crypto.signature(
        token=VECTOR["token"],
        timestamp=VECTOR["timestamp"],
        nonce=VECTOR["nonce"],
        encrypted=VECTOR["echostr"],
    )
    assert sig == VECTOR["msg_signature"]
    plain = crypto.decrypt(
        encrypted=VECTOR["echostr"], key=VECTOR["key"], receive_id=VECTOR["corp_id"]
    )
    assert plain == VECTOR["plain"]


def test_signature_matches_is_false_for_a_non_ascii_forgery():
    assert not crypto.signature_matches(
        msg_signature="签名", token="t", timestamp="1", nonce="n", encrypted="e"
    )


def test_chinese_message_length_is_counted_in_bytes(server, aes_key):
    message = "洗碗机不出水，已经重启过"
    encrypted = crypto.encrypt(message=message, key=aes_key, receive_id=CORP, random16=b"r" * 16)
    assert server.open(encrypted) == message
    plain = server.plaintext(message, random16=b"r" * 16)
    assert int.from_bytes(plain[16:20], "big") == len(message.encode()) == 3 * len(message)
    assert crypto.decrypt(encrypted=server.seal(message), key=aes_key, receive_id=CORP) == message


def test_padding_is_a_full_32_byte_block_when_the_plaintext_fills_its_blocks(server, aes_key):
    # 16 random + 4 length + message + 7-byte corp id = 64 bytes: PKCS#7 adds a whole block.
    message = "x" * (64 - 16 - 4 - len(CORP))
    encrypted = crypto.encrypt(message=message, key=aes_key, receive_id=CORP)
    assert len(base64.b64decode(encrypted)) == 96
    assert server.open(encrypted) == message
    assert crypto.decrypt(encrypted=server.seal(message), key=aes_key, receive_id=CORP) == message


def test_same_random_prefix_gives_same_ciphertext_as_the_independent_server(server, aes_key):
    ours = crypto.encrypt(message="hello", key=aes_key, receive_id=CORP, random16=b"0" * 16)
    assert ours == server.seal("hello", random16=b"0" * 16)


def test_wrong_corp_id_is_refused(server, aes_key):
    with pytest.raises(crypto.WechatReceiveIdMismatch):
        crypto.decrypt(encrypted=server.seal("hi"), key=aes_key, receive_id="ww-other")


@pytest.mark.parametrize(
    ("name", "mangle"),
    [
        ("not base64", lambda s, p: "***" + p),
        ("empty", lambda s, p: ""),
        ("not a whole block", lambda s, p: base64.b64encode(b"a" * 40).decode()),
        # Unpadded plaintext ending in 0x00 or 0x21 (33): pad values outside 1..32.
        ("pad zero", lambda s, p: s.seal_raw(b"\x00" * 64, pad=False)),
        ("pad too big", lambda s, p: s.seal_raw(b"\x21" * 64, pad=False)),
        ("pad bytes differ", lambda s, p: s.seal_raw(b"a" * 60 + b"\x01\x02\x03\x04", pad=False)),
        ("length past the end", lambda s, p: s.seal_raw(b"r" * 16 + (999).to_bytes(4, "big"))),
        ("too short", lambda s, p: s.seal_raw(b"r" * 18)),
        (
            "not utf-8",
            lambda s, p: s.seal_raw(
                b"r" * 16 + (2).to_bytes(4, "big") + b"\xff\xfe" + CORP.encode()
            ),
        ),
    ],
)
def test_bad_ciphertext_raises_a_crypto_error(server, aes_key, name, mangle):
    with pytest.raises(crypto.WechatCryptoError):
        crypto.decrypt(encrypted=mangle(server, server.seal("hi")), key=aes_key, receive_id=CORP)


@pytest.mark.parametrize(
    "key",
    ["A" * 42, "A" * 44, "!" * 43, "中" * 43],
)
def test_bad_encoding_aes_key_raises(key):
    with pytest.raises(crypto.WechatCryptoError):
        crypto.aes_key(key)
