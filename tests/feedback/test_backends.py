"""Each SMS backend against a local fake of its provider that checks the signature."""

import json
import socket
from datetime import timedelta

import pytest

from feedback.backends.aliyun import aliyun_phone, aliyun_signature
from feedback.models import CustomerMessage, MessageKind
from feedback.services import message_dispatch_due, message_queue, message_send
from tests.feedback.conftest import NOW
from tests.tickets.factories import UserFactory
from tickets.models import Ticket, TicketEvent

Status = CustomerMessage.Status


@pytest.fixture
def l1_ticket(quiet_ticket):
    ticket = quiet_ticket(tier=Ticket.Tier.L1, phone="13912345678")
    Ticket.objects.filter(pk=ticket.pk).update(owner=UserFactory(display_name="王芳"))
    ticket.refresh_from_db()
    return ticket


def _ack(ticket):
    return message_queue(ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT, now=NOW)


def test_aliyun_signature_matches_the_documented_example():
    """The worked example of Aliyun's RPC signature documentation (GET, DescribeRegions)."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    signature = aliyun_signature(method="GET", params=params, secret="testsecret")
    assert signature == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_aliyun_phone_numbers_drop_the_mainland_country_code():
    assert aliyun_phone("+8613912345678") == "13912345678"
    assert aliyun_phone("+85251234567") == "85251234567"


def test_aliyun_sends_a_signed_request_and_keeps_the_biz_id(l1_ticket, fake_aliyun):
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert message.status == Status.SENT, message.last_error
    assert message.backend == "aliyun"
    [request] = fake_aliyun.requests
    assert request["verified"]
    params = request["params"]
    assert message.provider_message_id == "000001^0"
    assert params["PhoneNumbers"] == "13912345678"
    assert params["SignName"] == "售后服务"
    assert params["TemplateCode"] == "SMS_100001"
    assert params["Timestamp"] == "2026-11-22T08:00:00Z"
    assert params["OutId"] == str(message.pk)
    assert json.loads(params["TemplateParam"]) == {
        "owner_name": "王芳",
        "number": l1_ticket.number,
    }


def test_aliyun_with_a_wrong_secret_is_refused_by_the_signature_check_and_retried(
    l1_ticket, fake_aliyun, settings
):
    settings.OUTBOX_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert fake_aliyun.requests[0]["verified"] is False
    assert message.status == Status.RETRY_WAIT
    assert message.last_error.startswith("SignatureDoesNotMatch")
    assert message.next_attempt_at == NOW + timedelta(seconds=60)


def test_aliyun_business_limit_control_means_rate_limited_not_failed(l1_ticket, fake_aliyun):
    fake_aliyun.script = ["isv.BUSINESS_LIMIT_CONTROL"]
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert message.status == Status.RATE_LIMITED
    assert message.attempts == 0
    assert message.next_attempt_at == NOW + timedelta(hours=1)
    assert message.last_error.startswith("isv.BUSINESS_LIMIT_CONTROL")
    # An hour later the sweeper queues it again and it goes out.
    assert message_dispatch_due(now=NOW + timedelta(hours=1)) == 1
    assert message_send(message=message, now=NOW + timedelta(hours=1)).status == Status.SENT


def test_aliyun_illegal_number_fails_at_once_and_says_so_on_the_timeline(l1_ticket, fake_aliyun):
    fake_aliyun.script = ["isv.MOBILE_NUMBER_ILLEGAL"]
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert (message.status, message.attempts) == (Status.FAILED, 1)
    event = TicketEvent.objects.filter(ticket=l1_ticket, verb=TicketEvent.Verb.MESSAGE).latest("id")
    assert event.payload["status"] == "failed"
    assert "isv.MOBILE_NUMBER_ILLEGAL" in event.payload["note"]


def test_a_kind_without_a_provider_template_fails_with_a_clear_error(quiet_ticket, fake_aliyun):
    message = message_queue(ticket=quiet_ticket(), kind=MessageKind.SURVEY, now=NOW)
    message = message_send(message=message, now=NOW)
    assert message.status == Status.FAILED
    assert "OUTBOX_ALIYUN_TEMPLATES has no entry for survey" in message.last_error
    assert fake_aliyun.requests == []


def test_temporary_errors_back_off_exponentially_then_fail(l1_ticket, fake_aliyun):
    """isp.SYSTEM_ERROR five times: waits of 1, 2, 4 and 8 minutes, then failed."""
    fake_aliyun.script = ["isp.SYSTEM_ERROR"] * 5
    message, now, waits = _ack(l1_ticket), NOW, []
    for _ in range(4):
        message = message_send(message=message, now=now)
        assert message.status == Status.RETRY_WAIT
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
        assert message_dispatch_due(now=now) == 1
    message = message_send(message=message, now=now)

    assert waits == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)]
    assert (message.status, message.attempts) == (Status.FAILED, 5)
    assert message.next_attempt_at is None
    assert len(fake_aliyun.requests) == 5


def test_an_unreachable_provider_is_retried(l1_ticket, fake_aliyun, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.OUTBOX_ALIYUN_ENDPOINT = f"http://127.0.0.1:{port}/"
    message = message_send(message=_ack(l1_ticket), now=NOW)
    assert message.status == Status.RETRY_WAIT
    assert message.last_error.startswith("network")


def test_tencent_sends_a_signed_request_and_keeps_the_serial_number(l1_ticket, fake_tencent):
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert message.status == Status.SENT, message.last_error
    [request] = fake_tencent.requests
    assert request["verified"]
    assert message.provider_message_id == f"5000:{1:020d}"
    assert request["headers"]["x-tc-region"] == "ap-guangzhou"
    assert request["headers"]["x-tc-timestamp"] == str(int(NOW.timestamp()))
    assert request["body"] == {
        "PhoneNumberSet": ["+8613912345678"],
        "SmsSdkAppId": "1400000001",
        "SignName": "售后服务",
        "TemplateId": "2000001",
        # Positional, in the wording's order: 售后专员{owner_name} … 工单号：{number}.
        "TemplateParamSet": ["王芳", l1_ticket.number],
        "SessionContext": str(message.pk),
    }


def test_tencent_with_a_wrong_key_fails_the_signature_check_and_is_retried(
    l1_ticket, fake_tencent, settings
):
    settings.OUTBOX_TENCENT_SECRET_KEY = "not-the-key"
    message = message_send(message=_ack(l1_ticket), now=NOW)

    assert fake_tencent.requests[0]["verified"] is False
    assert message.status == Status.RETRY_WAIT
    assert message.last_error.startswith("AuthFailure.SignatureFailure")


@pytest.mark.parametrize(
    ("code", "wait"),
    [
        ("LimitExceeded.PhoneNumberDailyLimit", timedelta(hours=1)),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", timedelta(minutes=1)),
        ("error:RequestLimitExceeded", timedelta(hours=1)),
    ],
)
def test_tencent_limits_mean_rate_limited(l1_ticket, fake_tencent, code, wait):
    fake_tencent.script = [code]
    message = message_send(message=_ack(l1_ticket), now=NOW)
    assert message.status == Status.RATE_LIMITED
    assert message.next_attempt_at == NOW + wait
    assert message.attempts == 0


def test_tencent_incorrect_number_fails_at_once(l1_ticket, fake_tencent):
    fake_tencent.script = ["InvalidParameterValue.IncorrectPhoneNumber"]
    message = message_send(message=_ack(l1_ticket), now=NOW)
    assert (message.status, message.attempts) == (Status.FAILED, 1)
