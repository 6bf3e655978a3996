import base64
import os

import pytest

from tests.intake.wechat.wechat_server import WechatServer

CORP_ID = "ww5823bf96d3bd56c7"
TOKEN = "QDG6eK"


@pytest.fixture
def aes_key() -> str:
    """A fresh EncodingAESKey: base64 of 32 random bytes, without the trailing "="."""
    key = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    assert len(key) == 43
    return key


@pytest.fixture
def wechat_settings(settings, aes_key):
    settings.WECHAT_WORK_CORP_ID = CORP_ID
    settings.WECHAT_WORK_TOKEN = TOKEN
    settings.WECHAT_WORK_AES_KEY = aes_key
    settings.WECHAT_WORK_SECRET = "secret"
    return settings


@pytest.fixture
def wechat(wechat_settings, aes_key) -> WechatServer:
    return WechatServer(token=TOKEN, encoding_aes_key=aes_key, corp_id=CORP_ID)
