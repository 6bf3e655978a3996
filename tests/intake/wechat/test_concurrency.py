"""Two workers on one account, and the whole road through Redis to a real Celery worker."""

import threading
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from aftersales.celery import app
from intake.models import WechatCallbackEvent, WechatMessage
from intake.wechat.services import wechat_kf_sync
from tests.intake.wechat.fake_api import OPEN_KFID
from tests.intake.wechat.helpers import post
from tests.intake.wechat.wechat_server import kf_event_xml


def _event(**kwargs) -> WechatCallbackEvent:
    return WechatCallbackEvent.objects.create(
        dedupe_key=uuid4().hex,
        event="kf_msg_or_event",
        token=uuid4().hex,
        open_kfid=OPEN_KFID,
        raw_xml="<xml/>",
        received_at=kwargs.pop("received_at", datetime.now(tz=UTC)),
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_pulling_one_account_store_and_answer_each_message_once(
    wechat_api, eager_celery
):
    wechat_api.page_size = 1
    for n in range(4):
        wechat_api.add_text(f"洗碗机不出水{n}", external_userid=f"customer-{n}")
    events = [_event(), _event()]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(event):
        try:
            start.wait()
            wechat_kf_sync(event=event)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert WechatMessage.objects.filter(direction="in").count() == 4
    # One answer per customer: the second worker waited on the cursor lock, then found
    # nothing new after the first one's cursor.
    assert sorted(body["touser"] for body in wechat_api.sent) == [f"customer-{n}" for n in range(4)]


@pytest.mark.django_db
def test_a_sync_after_the_token_expired_pulls_without_it(wechat_api):
    wechat_api.add_text("你好")
    old = _event(received_at=datetime.now(tz=UTC) - timedelta(minutes=12))
    wechat_kf_sync(event=old)
    assert "token" not in wechat_api.sync_requests[0]
    fresh = _event()
    wechat_kf_sync(event=fresh)
    assert wechat_api.sync_requests[1]["token"] == fresh.token


@pytest.mark.django_db(transaction=True)
def test_a_callback_is_answered_by_a_real_worker_through_redis(client, wechat, wechat_api):
    """Callback → commit → Redis → Celery worker → sync_msg → send_msg on the fake WeChat."""
    wechat_api.add_text("你好")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        response = post(client, wechat, kf_event_xml(token=uuid4().hex))
        assert response.content == b"success"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not wechat_api.sent:
            time.sleep(0.1)
    assert len(wechat_api.sent) == 1
    assert WechatCallbackEvent.objects.get().processed_at is not None
