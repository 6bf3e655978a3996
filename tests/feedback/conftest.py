from datetime import UTC, datetime

import pytest

from aftersales.celery import app
from feedback.models import CustomerMessage
from tests.feedback.fakes import FakeAliyun, FakeTencent, serving
from tests.tickets.factories import TicketFactory

# 16:00 in Shanghai.
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def outbox_settings(settings):
    """Defaults pinned, so a developer's environment does not change what the tests see."""
    settings.OUTBOX_BACKEND = "log"
    settings.OUTBOX_PHONE_LIMIT_PER_HOUR = 5
    settings.OUTBOX_PHONE_LIMIT_PER_DAY = 10
    settings.OUTBOX_MAX_ATTEMPTS = 5
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    settings.OUTBOX_PROVIDER_LIMIT_RETRY_SECONDS = 3600
    settings.OUTBOX_DISPATCH_LEASE_SECONDS = 300
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 300
    settings.OUTBOX_SWEEP_BATCH = 200
    settings.OUTBOX_HTTP_TIMEOUT_SECONDS = 5
    settings.OUTBOX_RECEIPT_TOKEN = "receipt-token-123"
    return settings


@pytest.fixture
def quiet_ticket(db, outbox_settings):
    """A ticket received at NOW, without whatever intake itself queued for it."""

    def make(**kwargs):
        ticket = TicketFactory(now=NOW, **kwargs)
        CustomerMessage.objects.filter(ticket=ticket).delete()
        return ticket

    return make


@pytest.fixture
def eager_celery():
    """Run .delay() inline: for tests of what a commit sets off, without a broker."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def fake_aliyun(outbox_settings):
    with serving(FakeAliyun(key_id="LTAI-test", secret="aliyun-secret")) as fake:
        outbox_settings.OUTBOX_BACKEND = "aliyun"
        outbox_settings.OUTBOX_ALIYUN_ENDPOINT = fake.url
        outbox_settings.OUTBOX_ALIYUN_ACCESS_KEY_ID = fake.key_id
        outbox_settings.OUTBOX_ALIYUN_ACCESS_KEY_SECRET = fake.secret
        outbox_settings.OUTBOX_ALIYUN_SIGN_NAME = "售后服务"
        outbox_settings.OUTBOX_ALIYUN_TEMPLATES = {
            "acknowledgement_urgent": "SMS_100001",
            "acknowledgement": "SMS_100002",
            "progress": "SMS_100003",
        }
        yield fake


@pytest.fixture
def fake_tencent(outbox_settings):
    with serving(FakeTencent(key_id="AKID-test", secret="tencent-secret")) as fake:
        outbox_settings.OUTBOX_BACKEND = "tencent"
        outbox_settings.OUTBOX_TENCENT_ENDPOINT = fake.url
        outbox_settings.OUTBOX_TENCENT_SECRET_ID = fake.key_id
        outbox_settings.OUTBOX_TENCENT_SECRET_KEY = fake.secret
        outbox_settings.OUTBOX_TENCENT_SDK_APP_ID = "1400000001"
        outbox_settings.OUTBOX_TENCENT_SIGN_NAME = "售后服务"
        outbox_settings.OUTBOX_TENCENT_TEMPLATES = {
            "acknowledgement_urgent": "2000001",
            "acknowledgement": "2000002",
            "progress": "2000003",
        }
        yield fake
