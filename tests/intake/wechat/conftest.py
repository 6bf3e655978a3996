import base64
import os

import pytest
from django.core.cache import cache

from aftersales.celery import app
from intake.wechat.client import WechatClient
from tests.intake.wechat.fake_api import FakeWechatApi, serving
from tests.intake.wechat.wechat_server import WechatServer

CORP_ID = "ww5823bf96d3bd56c7"
TOKEN = "QDG6eK"
SECRET = "kf-secret"


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
    settings.WECHAT_WORK_SECRET = SECRET
    settings.WECHAT_WORK_TIMESTAMP_TOLERANCE_SECONDS = 300
    settings.WECHAT_WORK_HTTP_TIMEOUT_SECONDS = 5
    # The outbox's defaults pinned: the fallback SMS goes to the log backend.
    settings.OUTBOX_BACKEND = "log"
    settings.OUTBOX_PHONE_LIMIT_PER_HOUR = 5
    settings.OUTBOX_PHONE_LIMIT_PER_DAY = 10
    settings.OUTBOX_MAX_ATTEMPTS = 5
    return settings


@pytest.fixture
def wechat(wechat_settings, aes_key) -> WechatServer:
    return WechatServer(token=TOKEN, encoding_aes_key=aes_key, corp_id=CORP_ID)


@pytest.fixture
def wechat_api(wechat_settings):
    """The fake WeChat API, with WECHAT_WORK_API_BASE pointing at it and no token cached."""
    with serving(FakeWechatApi(corp_id=CORP_ID, secret=SECRET)) as api:
        wechat_settings.WECHAT_WORK_API_BASE = api.url
        cache.delete(WechatClient().cache_key)
        yield api
        cache.delete(WechatClient().cache_key)


@pytest.fixture
def eager_celery():
    """Run .delay() inline, as tests/feedback does: what a commit sets off, without a broker."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
