"""Delivery reports posted by the providers, as they post them."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_queue
from tests.feedback.conftest import NOW
from tickets.models import TicketEvent

Status = CustomerMessage.Status
TOKEN = "receipt-token-123"


@pytest.fixture
def sent(quiet_ticket):
    """A message the given provider accepted under the given id."""

    def make(backend, provider_id):
        message = message_queue(ticket=quiet_ticket(), kind=MessageKind.SURVEY, now=NOW)
        CustomerMessage.objects.filter(pk=message.pk).update(
            status=Status.SENT, backend=backend, provider_message_id=provider_id, sent_at=NOW
        )
        message.refresh_from_db()
        return message

    return make


def _post(client, provider, body, token=TOKEN, **headers):
    url = reverse(f"feedback:receipts_{provider}")
    if token is not None:
        url += f"?token={token}"
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def _aliyun_report(biz_id, success=True):
    return {
        "phone_number": "13912345678",
        "send_time": "2026-11-22 16:00:01",
        "report_time": "2026-11-22 16:00:05",
        "success": success,
        "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "空号",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": "",
    }


def _tencent_report(sid, status="SUCCESS"):
    return {
        "user_receive_time": "2026-11-22 16:00:07",
        "nationcode": "86",
        "mobile": "13912345678",
        "report_status": status,
        "errmsg": "DELIVRD" if status == "SUCCESS" else "MI:0013",
        "description": "用户短信送达成功" if status == "SUCCESS" else "停机",
        "sid": sid,
    }


def test_aliyun_delivery_report_marks_the_message_delivered_once(client, sent):
    message = sent("aliyun", "900619746936498^0")
    events_before = TicketEvent.objects.count()

    first = _post(client, "aliyun", [_aliyun_report("900619746936498^0")])
    message.refresh_from_db()
    delivered_at = message.delivered_at
    repeat = _post(client, "aliyun", [_aliyun_report("900619746936498^0", success=False)])

    assert first.status_code == repeat.status_code == 200
    assert first.json() == {"code": 0, "msg": "成功"}
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    # Reported in Shanghai time: 16:00:05 there is 08:00:05 UTC.
    assert delivered_at == message.delivered_at == datetime(2026, 11, 22, 8, 0, 5, tzinfo=UTC)
    assert TicketEvent.objects.count() == events_before


def test_aliyun_failed_delivery_is_kept_and_shown_on_the_timeline(client, sent):
    message = sent("aliyun", "1^0")
    response = _post(client, "aliyun", [_aliyun_report("1^0", success=False)])

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.UNDELIVERED
    assert message.last_error == "MK:0001 空号"
    event = TicketEvent.objects.filter(ticket=message.ticket).latest("id")
    assert event.payload["status"] == "undelivered"


def test_tencent_reports_by_sid_with_its_own_answer(client, sent):
    ok, bad = sent("tencent", "5000:1"), sent("tencent", "5000:2")
    response = _post(
        client, "tencent", [_tencent_report("5000:1"), _tencent_report("5000:2", "FAIL")]
    )

    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    ok.refresh_from_db()
    bad.refresh_from_db()
    assert (ok.status, bad.status) == (Status.DELIVERED, Status.UNDELIVERED)
    assert bad.last_error == "MI:0013 停机"


def test_a_report_matches_only_its_own_provider(client, sent):
    message = sent("tencent", "same-id")
    assert _post(client, "aliyun", [_aliyun_report("same-id")]).status_code == 200
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_a_report_for_an_unknown_id_is_accepted_and_changes_nothing(client, db, outbox_settings):
    assert _post(client, "aliyun", [_aliyun_report("nobody^0")]).status_code == 200


@pytest.mark.parametrize(
    ("token", "headers"),
    [("wrong", {}), (None, {}), (None, {"HTTP_X_OUTBOX_TOKEN": "wrong"})],
)
def test_a_wrong_or_missing_token_is_refused(client, sent, token, headers):
    message = sent("aliyun", "1^0")
    response = _post(client, "aliyun", [_aliyun_report("1^0")], token=token, **headers)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_the_token_may_come_in_a_header(client, sent):
    sent("tencent", "5000:1")
    response = _post(
        client, "tencent", [_tencent_report("5000:1")], token=None, HTTP_X_OUTBOX_TOKEN=TOKEN
    )
    assert response.status_code == 200


def test_without_a_configured_token_every_receipt_is_refused(client, sent, settings):
    settings.OUTBOX_RECEIPT_TOKEN = ""
    sent("aliyun", "1^0")
    assert _post(client, "aliyun", [_aliyun_report("1^0")], token="").status_code == 403


@pytest.mark.parametrize(
    ("provider", "body", "says"),
    [
        ("aliyun", "not json{", "body is not JSON"),
        ("aliyun", b"\xff\xfe\xfa", "body is not JSON"),
        ("aliyun", "42", "expected a JSON array"),
        ("aliyun", ["x"], "report 0 is not an object"),
        ("aliyun", [{"success": True}], "report 0: biz_id is required"),
        ("aliyun", [{"biz_id": "1^0", "success": "yes"}], "success must be true or false"),
        ("aliyun", [{"biz_id": ["1"], "success": True}], "biz_id must be a string"),
        ("tencent", [{"sid": "1", "report_status": "MAYBE"}], "SUCCESS or FAIL"),
        ("tencent", [{"report_status": "SUCCESS"}], "sid is required"),
    ],
)
def test_garbage_is_a_clear_400(client, sent, provider, body, says):
    message = sent(provider, "1")
    response = _post(client, provider, body)
    assert response.status_code == 400
    assert says in json.dumps(response.json(), ensure_ascii=False)
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_receipts_are_post_only(client, db, outbox_settings):
    url = reverse("feedback:receipts_aliyun") + f"?token={TOKEN}"
    assert client.get(url).status_code == 405
