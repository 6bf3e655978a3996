"""`manage.py check --deploy` is clean with production settings (HTTPS on), and warns without."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "aftersales.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://aftersales.example.com",
    "PUBLIC_BASE_URL": "https://aftersales.example.com",
    # `check --deploy` does not connect (no --database): any well-formed URLs do.
    "DATABASE_URL": "postgres://aftersales@localhost/aftersales",
    "REDIS_URL": "redis://localhost:6379/0",
}


def _check(**env: str) -> subprocess.CompletedProcess:
    """Settings are read at import: run the check in a fresh interpreter with that env."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PUBLIC_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check()
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_is_switched_off():
    result = _check(DJANGO_HTTPS="0")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr
