"""Survey links are bearer credentials: no log line may carry one."""

import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from aftersales.gunicorn_logger import RedactingLogger
from aftersales.log_filters import LinkRedactingFilter

TOKEN_PATH = "/s/12.Zm9vYmFy:AbC-dEf_123/"


def test_gunicorn_access_log_atoms_carry_no_survey_token():
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": TOKEN_PATH,
        "PATH_INFO": TOKEN_PATH,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://shouhou.example.com{TOKEN_PATH}",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])

    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(seconds=1))

    assert atoms["r"] == "POST /s/【评价链接】/ HTTP/1.1"
    assert all("Zm9vYmFy" not in str(value) for value in atoms.values())
    assert atoms["h"] == "203.0.113.9" and atoms["s"] == "200"


def test_django_log_records_lose_the_token_and_keep_the_rest(caplog):
    logger = logging.getLogger("django.security.csrf")
    logger.addFilter(LinkRedactingFilter())
    try:
        with caplog.at_level(logging.WARNING):
            logger.warning("Forbidden (CSRF token missing.): %s", TOKEN_PATH)
    finally:
        logger.filters.clear()
    assert caplog.messages == ["Forbidden (CSRF token missing.): /s/【评价链接】/"]
