"""Login throttling glue for django-axes (settings: the security block)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesBackend
from django.http import HttpRequest


class AxesRequestBackend(AxesBackend):
    """Axes' backend (a ModelBackend too, so force_login and permission checks work through
    it), except that an authenticate() without a request (a shell, a management command) has
    no client address to count: it is left to the next backend instead of refused."""

    def authenticate(
        self,
        request: HttpRequest | None = None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
