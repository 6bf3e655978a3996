import time
from types import SimpleNamespace
from uuid import uuid4

import pytest
from django_ratelimit import core as ratelimit_core


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings, monkeypatch):
    """Rate-limit counters live in Redis: a key prefix per test keeps tests and reruns apart.

    django-ratelimit counts in fixed windows (a minute, an hour) read from the clock: a test
    whose requests straddled a window's end saw its count restart and no 429. Its clock is
    held at the test's start, so every request of a test falls in one window.
    """
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid4().hex}"}
    }
    started = time.time()
    monkeypatch.setattr(ratelimit_core, "time", SimpleNamespace(time=lambda: started))
