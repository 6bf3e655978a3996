from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock moment in Shanghai, the way the expected values are written by hand."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def office_hours(settings):
    """The issue's defaults, whatever the developer's environment says."""
    settings.SLA_OFFICE_OPENS = "09:00"
    settings.SLA_OFFICE_CLOSES = "18:00"
    settings.SLA_CALLBACK_WORKING_DAYS = 3
    return settings


@pytest.fixture
def english(client, admin_client):
    """Pages in English (the language switcher's cookie), so assertions read the msgids."""
    for each in (client, admin_client):
        each.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
