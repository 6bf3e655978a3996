import base64
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from intake.models import WechatCallbackEvent
from tests.intake.wechat.conftest import CORP_ID
from tests.intake.wechat.wechat_server import WechatServer, kf_event_xml

pytestmark = pytest.mark.django_db
URL = "/intake/wechat/callback/"

BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<xml><Encrypt>&lol2;</Encrypt></xml>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><Encrypt>&xxe;</Encrypt></xml>"
)


def post_xml(client, query: dict, body: str):
    return client.post(f"{URL}?{urlencode(query)}", data=body, content_type="text/xml")


def post_encrypted(client, wechat: WechatServer, encrypted: str, **query):
    """POST as WeChat does: the envelope around `encrypted`, signed over it."""
    return post_xml(client, {**wechat.query(encrypted), **query}, wechat.envelope(encrypted))


def post(client, wechat: WechatServer, inner: str, **query):
    return post_encrypted(client, wechat, wechat.seal(inner), **query)


def test_route_is_named_wechat_callback():
    assert reverse("intake:wechat_callback") == URL


def test_get_verification_echoes_the_plaintext(client, wechat):
    echostr = wechat.seal("1616140317555161061")
    response = client.get(URL, {**wechat.query(echostr), "echostr": echostr})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1616140317555161061"


def test_get_verification_with_the_official_vector(client, settings):
    # The vector was signed in 2014: only a window reaching back that far lets it through.
    settings.WECHAT_WORK_TIMESTAMP_TOLERANCE_SECONDS = 100 * 365 * 24 * 3600
    settings.WECHAT_WORK_CORP_ID = "wx5823bf96d3bd56c7"
    settings.WECHAT_WORK_TOKEN = "QDG6eK"
    settings.WECHAT_WORK_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    query = (
        "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589"
        "&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3"
        "zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D"
    )
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert response.content == b"1616140317555161061"


def test_kf_event_is_stored_once_however_often_wechat_retries(client, wechat):
    encrypted = wechat.seal(kf_event_xml())
    first = post_encrypted(client, wechat, encrypted)
    assert first.status_code == 200
    assert first.content == b"success"
    # A retry is the same envelope again, or the same event freshly encrypted and signed.
    assert post_encrypted(client, wechat, encrypted).content == b"success"
    assert post(client, wechat, kf_event_xml()).content == b"success"
    event = WechatCallbackEvent.objects.get()
    assert event.event == "kf_msg_or_event"
    assert event.msg_type == "event"
    assert event.msg_id is None
    assert event.token == "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR"
    assert event.open_kfid == "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw"
    assert event.create_time.timestamp() == 1732262400
    assert event.processed_at is None
    assert "kf_msg_or_event" in event.raw_xml


def test_kf_events_in_the_same_second_with_different_tokens_are_both_stored(client, wechat):
    assert post(client, wechat, kf_event_xml(token="first")).content == b"success"
    assert post(client, wechat, kf_event_xml(token="second")).content == b"success"
    assert WechatCallbackEvent.objects.count() == 2


def test_message_is_deduped_by_msg_id(client, wechat):
    inner = (
        "<xml><ToUserName>ww-corp</ToUserName><FromUserName>zhangsan</FromUserName>"
        "<CreateTime>1732262400</CreateTime><MsgType>text</MsgType>"
        "<Content>洗碗机不出水</Content><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>"
    )
    assert post(client, wechat, inner).content == b"success"
    assert post(client, wechat, inner).content == b"success"
    event = WechatCallbackEvent.objects.get()
    assert (event.dedupe_key, event.msg_id, event.from_user) == (
        "1234567890123456",
        "1234567890123456",
        "zhangsan",
    )


def test_bad_signature_is_403_and_stores_nothing(client, wechat):
    response = post(client, wechat, kf_event_xml(), msg_signature="0" * 40)
    assert response.status_code == 403
    assert not WechatCallbackEvent.objects.exists()
    echostr = wechat.seal("123")
    query = {**wechat.query(echostr), "echostr": echostr, "msg_signature": "签名"}
    assert client.get(URL, query).status_code == 403


def test_tampered_ciphertext_is_400(client, wechat):
    raw = bytearray(base64.b64decode(wechat.seal(kf_event_xml())))
    raw[-20] ^= 0x55  # the last block decrypts to noise: its padding no longer checks out
    tampered = base64.b64encode(bytes(raw)).decode()
    assert post_encrypted(client, wechat, tampered).status_code == 400
    assert post_encrypted(client, wechat, "bm90IGEgYmxvY2s=").status_code == 400
    assert not WechatCallbackEvent.objects.exists()


def test_bad_padding_is_400(client, wechat):
    plain = wechat.plaintext(kf_event_xml())
    unpadded = plain + b"\x00" * (-len(plain) % 32)
    assert post_encrypted(client, wechat, wechat.seal_raw(unpadded, pad=False)).status_code == 400
    assert not WechatCallbackEvent.objects.exists()


def test_message_for_another_corp_id_is_403(client, wechat, aes_key):
    other = WechatServer(token=wechat.token, encoding_aes_key=aes_key, corp_id="ww-other")
    assert post(client, other, kf_event_xml()).status_code == 403
    assert not WechatCallbackEvent.objects.exists()


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, "<xml><Encrypt>", "not xml", "<other/>"])
def test_hostile_or_malformed_outer_xml_is_400(client, wechat, body):
    # Sign the body's own Encrypt text so only the XML itself can be the reason to refuse.
    response = post_xml(client, wechat.query("lol"), body)
    assert response.status_code == 400
    assert not WechatCallbackEvent.objects.exists()


@pytest.mark.parametrize(
    "inner",
    [
        BOMB.replace(
            "<Encrypt>&lol2;</Encrypt>", "<Event>&lol2;</Event><CreateTime>1</CreateTime>"
        ),
        EXTERNAL.replace(
            "<Encrypt>&xxe;</Encrypt>", "<Event>&xxe;</Event><CreateTime>1</CreateTime>"
        ),
        "<xml><MsgType>event</MsgType>",
        "<xml><MsgType>event</MsgType></xml>",  # nothing to dedupe by
        f"<xml><MsgId>{'9' * 65}</MsgId></xml>",  # longer than any MsgId WeChat sends
    ],
)
def test_hostile_or_malformed_inner_xml_is_400(client, wechat, inner):
    assert post(client, wechat, inner).status_code == 400
    assert not WechatCallbackEvent.objects.exists()


@pytest.mark.parametrize("missing", ["msg_signature", "timestamp", "nonce", "echostr"])
def test_get_with_a_missing_parameter_is_400(client, wechat, missing):
    echostr = wechat.seal("123")
    query = {**wechat.query(echostr), "echostr": echostr}
    del query[missing]
    assert client.get(URL, query).status_code == 400


def test_post_without_query_parameters_is_400(client, wechat):
    body = wechat.envelope(wechat.seal(kf_event_xml()))
    assert client.post(URL, data=body, content_type="text/xml").status_code == 400


def test_post_over_the_size_cap_is_413(client, wechat):
    encrypted = wechat.seal("x" * 70_000)
    response = post_encrypted(client, wechat, encrypted)
    assert response.status_code == 413
    assert not WechatCallbackEvent.objects.exists()


def test_other_methods_are_405(client, wechat):
    assert client.put(URL).status_code == 405


@pytest.mark.parametrize(
    "unset", ["WECHAT_WORK_CORP_ID", "WECHAT_WORK_TOKEN", "WECHAT_WORK_AES_KEY"]
)
def test_unconfigured_callback_is_503(client, wechat, settings, unset):
    setattr(settings, unset, "")
    echostr = wechat.seal("123")
    assert client.get(URL, {**wechat.query(echostr), "echostr": echostr}).status_code == 503
    assert post(client, wechat, kf_event_xml()).status_code == 503


def test_corp_id_fixture_is_what_the_server_appends(wechat):
    assert wechat.corp_id == CORP_ID
