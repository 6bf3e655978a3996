"""One redis-py client per process, for the few hot paths that talk to Redis directly."""

from functools import cache

import redis
from django.conf import settings


@cache
def redis_client() -> redis.Redis:
    """Django's cache builds a client object per call (~0.5 ms of Python); this one is reused.
    Keys written here carry no cache prefix: name them fully."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
