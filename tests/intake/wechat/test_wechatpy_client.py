"""wechatpy, an independent implementation of WeChat Work's crypto, against our endpoint.

What wechatpy encrypts our callback must accept; what our crypto encrypts wechatpy must open.
"""

import re
import time
from urllib.parse import urlencode

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from intake.models import WechatCallbackEvent
from intake.wechat import crypto
from tests.intake.wechat.conftest import CORP_ID, TOKEN
from tests.intake.wechat.wechat_server import kf_event_xml

pytestmark = pytest.mark.django_db
URL = "/intake/wechat/callback/"


def _field(xml: str, name: str) -> str:
    return re.search(rf"<{name}><!\[CDATA\[(.*?)\]\]></{name}>", xml).group(1)


@pytest.fixture
def wechatpy(wechat_settings, aes_key) -> WeChatCrypto:
    return WeChatCrypto(TOKEN, aes_key, CORP_ID)


def test_get_verification_of_a_wechatpy_echostr(client, wechatpy):
    timestamp, nonce = str(int(time.time())), "wechatpy1"
    sealed = wechatpy.encrypt_message("1616140317555161061", nonce, timestamp)
    query = {
        "msg_signature": _field(sealed, "MsgSignature"),
        "timestamp": timestamp,
        "nonce": nonce,
        "echostr": _field(sealed, "Encrypt"),
    }
    response = client.get(f"{URL}?{urlencode(query)}")
    assert response.status_code == 200
    assert response.content == b"1616140317555161061"


def test_a_kf_event_sealed_by_wechatpy_is_accepted_and_stored(client, wechatpy):
    timestamp, nonce = str(int(time.time())), "wechatpy2"
    sealed = wechatpy.encrypt_message(kf_event_xml(token="tok-wechatpy"), nonce, timestamp)
    query = {"msg_signature": _field(sealed, "MsgSignature"), "timestamp": timestamp}
    response = client.post(
        f"{URL}?{urlencode({**query, 'nonce': nonce})}", data=sealed, content_type="text/xml"
    )
    assert response.status_code == 200
    assert response.content == b"success"
    event = WechatCallbackEvent.objects.get()
    assert (event.event, event.token) == ("kf_msg_or_event", "tok-wechatpy")


def test_wechatpy_signed_with_another_token_is_refused(client, wechat_settings, aes_key):
    forger = WeChatCrypto("not-our-token", aes_key, CORP_ID)
    timestamp, nonce = str(int(time.time())), "wechatpy3"
    sealed = forger.encrypt_message(kf_event_xml(), nonce, timestamp)
    query = {"msg_signature": _field(sealed, "MsgSignature"), "timestamp": timestamp}
    response = client.post(
        f"{URL}?{urlencode({**query, 'nonce': nonce})}", data=sealed, content_type="text/xml"
    )
    assert response.status_code == 403
    assert not WechatCallbackEvent.objects.exists()


def test_wechatpy_opens_what_our_crypto_seals(wechatpy, aes_key):
    message = "<xml><Content><![CDATA[您好，工单SH-20261122-000001已受理]]></Content></xml>"
    timestamp, nonce = "1732262400", "ours"
    encrypted = crypto.encrypt(message=message, key=aes_key, receive_id=CORP_ID)
    signature = crypto.signature(token=TOKEN, timestamp=timestamp, nonce=nonce, encrypted=encrypted)
    envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"

    assert wechatpy.decrypt_message(envelope, signature, timestamp, nonce) == message
    with pytest.raises(InvalidSignatureException):
        wechatpy.decrypt_message(envelope, "0" * 40, timestamp, nonce)
