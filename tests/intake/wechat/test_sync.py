"""Pulling with sync_msg: pages, the cursor, retries; the API client's token; stale callbacks."""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from intake.models import (
    WechatCallbackEvent,
    WechatConversation,
    WechatMessage,
    WechatSyncCursor,
)
from intake.wechat.client import WechatApiError, WechatClient
from intake.wechat.crypto import timestamp_fresh
from intake.wechat.services import wechat_events_resync
from tests.intake.wechat.fake_api import OPEN_KFID
from tests.intake.wechat.helpers import Customer
from tests.intake.wechat.test_callback import post
from tests.intake.wechat.wechat_server import kf_event_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client, wechat, wechat_api, eager_celery, django_capture_on_commit_callbacks):
    return Customer(
        client=client, wechat=wechat, api=wechat_api, capture=django_capture_on_commit_callbacks
    )


def test_empty_pages_with_has_more_are_followed_to_the_messages(customer, wechat_api):
    wechat_api.empty_pages = 2
    customer.say("你好")
    assert len(wechat_api.sync_requests) == 3
    # Each request carries the cursor the previous page handed out.
    first, second, third = wechat_api.sync_requests
    assert "cursor" not in first
    assert second["cursor"] != third["cursor"]
    assert WechatMessage.objects.filter(direction="in").count() == 1
    assert len(wechat_api.sent) == 1
    assert WechatCallbackEvent.objects.get().processed_at is not None


def test_pages_are_pulled_while_has_more_and_the_cursor_is_saved(customer, wechat_api):
    wechat_api.page_size = 1
    wechat_api.add_text("第一条", external_userid="customer-a")
    wechat_api.add_text("第二条", external_userid="customer-b")
    wechat_api.add_text("第三条", external_userid="customer-c")
    customer.notify()
    assert len(wechat_api.sync_requests) == 3
    assert WechatMessage.objects.filter(direction="in").count() == 3
    assert WechatConversation.objects.count() == 3
    saved = WechatSyncCursor.objects.get(open_kfid=OPEN_KFID).cursor
    # The next callback starts from the saved cursor: nothing is pulled twice.
    customer.notify()
    assert wechat_api.sync_requests[-1]["cursor"] == saved
    assert WechatMessage.objects.filter(direction="in").count() == 3


def test_a_sync_msg_error_is_retried_and_the_cursor_skips_nothing(customer, wechat_api):
    wechat_api.page_size = 1
    wechat_api.add_text("第一条", external_userid="customer-a")
    wechat_api.add_text("第二条", external_userid="customer-b")
    # The first page answers, the second fails once (WeChat's "system busy").
    wechat_api.fail_next("kf/sync_msg", None, -1)

    customer.notify()

    requests = wechat_api.sync_requests
    assert len(requests) == 3
    # The retry asked again from the cursor of the failed page, not beyond it.
    assert requests[1]["cursor"] == requests[2]["cursor"]
    contents = WechatMessage.objects.filter(direction="in").values_list("content", flat=True)
    assert sorted(contents) == ["第一条", "第二条"]
    assert WechatMessage.objects.filter(direction="out", status="sent").count() == 2


def test_a_failed_page_stores_nothing_and_keeps_the_cursor(wechat_settings, wechat_api):
    from intake.wechat.services import wechat_kf_sync

    wechat_api.add_text("你好")
    wechat_api.fail_next("kf/sync_msg", 95000)
    event = WechatCallbackEvent.objects.create(
        dedupe_key="k", event="kf_msg_or_event", token="t", open_kfid=OPEN_KFID,
        raw_xml="<xml/>", received_at=datetime.now(tz=UTC),
    )  # fmt: skip
    with pytest.raises(WechatApiError) as raised:
        wechat_kf_sync(event=event)
    assert raised.value.errcode == 95000
    assert "kf/sync_msg" in str(raised.value)
    assert not WechatMessage.objects.exists()
    assert not WechatSyncCursor.objects.exclude(cursor="").exists()
    event.refresh_from_db()
    assert event.processed_at is None


def test_the_access_token_is_cached_and_renewed_when_wechat_rejects_it(wechat_settings, wechat_api):
    client = WechatClient()
    client.sync_msg(open_kfid=OPEN_KFID)
    WechatClient().sync_msg(open_kfid=OPEN_KFID)
    assert wechat_api.token_requests == 1
    wechat_api.expire_tokens()  # WeChat answers 40014 to the cached token
    WechatClient().sync_msg(open_kfid=OPEN_KFID)
    assert wechat_api.token_requests == 2
    assert len(wechat_api.sync_requests) == 3


def test_an_expired_token_errcode_42001_also_renews_it(wechat_settings, wechat_api):
    WechatClient().sync_msg(open_kfid=OPEN_KFID)
    wechat_api.fail_next("kf/sync_msg", 42001)
    page = WechatClient().sync_msg(open_kfid=OPEN_KFID)
    assert page.has_more is False
    assert wechat_api.token_requests == 2


def test_a_wrong_secret_raises_a_clear_error(wechat_settings, wechat_api):
    wechat_settings.WECHAT_WORK_SECRET = "wrong"
    with pytest.raises(WechatApiError, match=r"gettoken: errcode 40001"):
        WechatClient().sync_msg(open_kfid=OPEN_KFID)


def test_an_unreachable_wechat_raises_a_clear_error(wechat_settings):
    wechat_settings.WECHAT_WORK_API_BASE = "http://127.0.0.1:9"
    with pytest.raises(WechatApiError, match="unreachable") as raised:
        WechatClient().access_token()
    assert raised.value.errcode is None


def test_send_msg_passes_our_msgid_and_the_text(wechat_settings, wechat_api):
    msgid = WechatClient().send_msg(
        touser="wm-customer", open_kfid=OPEN_KFID, msgid="abc123", content="您好"
    )
    assert msgid == "abc123"
    assert wechat_api.sent == [
        {
            "touser": "wm-customer",
            "open_kfid": OPEN_KFID,
            "msgid": "abc123",
            "msgtype": "text",
            "text": {"content": "您好"},
        }
    ]


# Well past the 300 s tolerance: the request reads the clock a moment after this test does
# (the exact edge is test_timestamp_fresh_is_a_window_either_way's, with a pinned now).
@pytest.mark.parametrize("offset", [-400, 400, -86400])
def test_a_stale_timestamp_is_403_and_stores_nothing(client, wechat, wechat_api, offset):
    encrypted = wechat.seal(kf_event_xml())
    stale = str(int(time.time()) + offset)
    # Correctly signed and encrypted: only the timestamp is wrong.
    query = urlencode(wechat.query(encrypted, timestamp=stale))
    response = client.post(
        f"/intake/wechat/callback/?{query}",
        data=wechat.envelope(encrypted),
        content_type="text/xml",
    )
    assert response.status_code == 403
    assert not WechatCallbackEvent.objects.exists()
    assert wechat_api.sync_requests == []


def test_a_stale_timestamp_on_url_verification_is_403(client, wechat):
    echostr = wechat.seal("123")
    stale = str(int(time.time()) - 3600)
    query = {**wechat.query(echostr, timestamp=stale), "echostr": echostr}
    assert client.get("/intake/wechat/callback/", query).status_code == 403


def test_timestamp_fresh_is_a_window_either_way():
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    sent = int(now.timestamp())
    assert timestamp_fresh(timestamp=str(sent - 300), now=now, tolerance_seconds=300)
    assert timestamp_fresh(timestamp=str(sent + 300), now=now, tolerance_seconds=300)
    assert not timestamp_fresh(timestamp=str(sent - 301), now=now, tolerance_seconds=300)
    assert not timestamp_fresh(timestamp=str(sent + 301), now=now, tolerance_seconds=300)
    assert not timestamp_fresh(timestamp="yesterday", now=now, tolerance_seconds=300)


def test_the_reply_window_is_48_hours_and_5_messages():
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    conversation = WechatConversation(last_customer_message_at=now - timedelta(hours=47))
    assert conversation.window_open(now)
    conversation.sent_since_customer_message = 5
    assert not conversation.window_open(now)
    conversation.sent_since_customer_message = 4
    assert not conversation.window_open(now + timedelta(hours=1))
    assert not WechatConversation().window_open(now)


def test_wechat_models_are_read_only_in_the_admin_and_the_admin_role_may_view_them(
    client, admin_user
):
    from django.contrib.auth.models import Group

    admin_role = Group.objects.get(name="admin")
    codenames = set(admin_role.permissions.values_list("codename", flat=True))
    assert {"view_wechatconversation", "view_wechatmessage", "view_wechatsynccursor"} <= codenames
    client.force_login(admin_user)
    for model in ("wechatconversation", "wechatmessage", "wechatsynccursor"):
        assert client.get(f"/admin/intake/{model}/").status_code == 200
        assert client.get(f"/admin/intake/{model}/add/").status_code == 403


def test_events_whose_pull_was_lost_are_pulled_by_the_resync(
    client, wechat, wechat_api, eager_celery
):
    """The callback stored two events but their tasks never ran (no commit hooks here,
    as when Redis was down): a minute later the sweep pulls once for the account."""
    wechat_api.add_text("洗衣机漏水", external_userid="lost-task")
    assert post(client, wechat, kf_event_xml(token="t1")).status_code == 200
    assert post(client, wechat, kf_event_xml(token="t2")).status_code == 200
    assert wechat_api.sync_requests == []
    later = timezone.now() + timedelta(minutes=2)

    assert wechat_events_resync(now=timezone.now()) == 0  # too fresh: their tasks may run yet
    assert wechat_events_resync(now=later) == 1

    assert len(wechat_api.sync_requests) == 1
    assert WechatMessage.objects.filter(direction="in").count() == 1
    assert not WechatCallbackEvent.objects.filter(processed_at__isnull=True).exists()
    assert wechat_events_resync(now=later) == 0
