"""Settings, read from the environment (README "Configuration" lists every variable)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis as redis+socket://; redis-py as unix://."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return f"redis+socket://{parts.path}" + (f"?{parts.query}" if parts.query else "")
    return redis_url


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
VAR_DIR = Path(os.environ.get("AFTERSALES_VAR_DIR", BASE_DIR / "var"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "tickets",
    "intake",
    "sla",
    "feedback",
    "knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before the password is checked.
    "aftersales.security.AxesRequestBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"
AUTH_USER_MODEL = "tickets.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tickets:list"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60),
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aftersales",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages come from npm (package.json + package-lock.json), never copied in.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
# Serve straight from the finders so `make run` needs no collectstatic; the Docker image
# collects at build time and WhiteNoise serves that copy.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# Uploads (attachments) hold personal data: stored outside STATIC, served only through a
# permission-checked view, never from a public URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Rate limits (django-ratelimit, on the public website form) count in Redis. If Redis is
# down, let the request through: losing a customer's complaint is worse than a missed limit.
RATELIMIT_FAIL_OPEN = True
# Behind a proxy every customer would share its address: name the header that holds theirs,
# e.g. HTTP_X_REAL_IP (django-ratelimit's RATELIMIT_IP_META_KEY).
if os.environ.get("RATELIMIT_IP_META_KEY"):
    RATELIMIT_IP_META_KEY = os.environ["RATELIMIT_IP_META_KEY"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "售后服务管理 API",
    "DESCRIPTION": "After-sales tickets: intake, lifecycle, audit trail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set used by several fields (else `check --deploy` warns, W001).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "tickets.models.Ticket.Status",
        "UrgencyEnum": "tickets.models.Ticket.Urgency",
    },
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a worker took but never acknowledged (killed mid-task: acks_late) goes back to the
# queue after this long. Longer than any task runs or waits (countdowns, ETAs), or it runs twice.
# Publishing (a request's on-commit task) tries the broker once: kombu's default retries for
# about 6 s while Redis is down, and every request would wait that long for nothing, since
# the rows in Postgres are the truth and the sweeps enqueue their work when Redis is back.
# Workers look for such tasks every 10 s (kombu's unacked_restore_interval); kombu 5.7 scans
# only every 10th look by default (100 s), which a throttle of 1 turns back to every look:
# one ZRANGE a worker per 10 s.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600),
    "unacked_restore_throttle": 1,
    "max_retries": 0,
}
# Beat schedules are defined in one place: aftersales/celery.py.
BEAT_HEARTBEAT_SECONDS = env_int("BEAT_HEARTBEAT_SECONDS", 30)

# SLA business clock: office hours (HH:MM, Asia/Shanghai) on working days; checked at start-up
# by sla.apps. The satisfaction callback is due this many working days after resolution.
SLA_OFFICE_OPENS = env_str("SLA_OFFICE_OPENS", "09:00")
SLA_OFFICE_CLOSES = env_str("SLA_OFFICE_CLOSES", "18:00")
SLA_CALLBACK_WORKING_DAYS = env_int("SLA_CALLBACK_WORKING_DAYS", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"survey_links": {"()": "aftersales.log_filters.LinkRedactingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["survey_links"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Customer message outbox (feedback app) ----------------------------------------------
# Every customer message goes through feedback.services.message_queue. Backend: log (the
# default; the message is written to the log and the ticket's timeline), aliyun or tencent.
OUTBOX_BACKEND = env_str("OUTBOX_BACKEND", "log")
if OUTBOX_BACKEND not in {"log", "aliyun", "tencent"}:
    raise ImproperlyConfigured(f"OUTBOX_BACKEND={OUTBOX_BACKEND!r}: use log, aliyun or tencent.")
# Per-phone caps over rolling windows (0 switches one off); providers cap per number per day.
OUTBOX_PHONE_LIMIT_PER_HOUR = env_int("OUTBOX_PHONE_LIMIT_PER_HOUR", 5)
OUTBOX_PHONE_LIMIT_PER_DAY = env_int("OUTBOX_PHONE_LIMIT_PER_DAY", 10)
# Retries after a backend error: base · 2^(n-1) seconds, at most the cap, then failed.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 60)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
# A provider's own rate limit: try again this much later (unless the code says sooner).
OUTBOX_PROVIDER_LIMIT_RETRY_SECONDS = env_int("OUTBOX_PROVIDER_LIMIT_RETRY_SECONDS", 3600)
# How long an enqueued task may wait in Redis before the sweeper assumes it lost (longer
# than a busy queue's wait, or every sweep enqueues the backlog again: 10,000 messages
# behind a Redis outage took 8 min on 2 cores), and how long a send may take before the
# sweeper assumes its worker died. A publish that failed is due at once, not after this.
OUTBOX_DISPATCH_LEASE_SECONDS = env_int("OUTBOX_DISPATCH_LEASE_SECONDS", 900)
OUTBOX_SENDING_TIMEOUT_SECONDS = env_int("OUTBOX_SENDING_TIMEOUT_SECONDS", 300)
OUTBOX_SWEEP_BATCH = env_int("OUTBOX_SWEEP_BATCH", 200)
OUTBOX_HTTP_TIMEOUT_SECONDS = env_int("OUTBOX_HTTP_TIMEOUT_SECONDS", 10)
# Providers call /feedback/receipts/<provider>/?token=…; required with an SMS backend, and
# without one every receipt is refused.
OUTBOX_RECEIPT_TOKEN = (
    env_str("OUTBOX_RECEIPT_TOKEN")
    if OUTBOX_BACKEND != "log"
    else os.environ.get("OUTBOX_RECEIPT_TOKEN", "")
)


def _outbox_templates(name: str) -> dict[str, str]:
    """Our template key → the provider's approved template, as "key=code,key=code"."""
    pairs = [item.partition("=") for item in env_list(name, "")]
    if any(not sep or not code for _key, sep, code in pairs):
        raise ImproperlyConfigured(f"{name}: write key=code pairs separated by commas.")
    return {key.strip(): code.strip() for key, _sep, code in pairs}


# Credentials are read (and required) only for the backend in use.
_aliyun = OUTBOX_BACKEND == "aliyun"
OUTBOX_ALIYUN_ENDPOINT = env_str("OUTBOX_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
OUTBOX_ALIYUN_REGION = env_str("OUTBOX_ALIYUN_REGION", "cn-hangzhou")
OUTBOX_ALIYUN_ACCESS_KEY_ID = env_str("OUTBOX_ALIYUN_ACCESS_KEY_ID") if _aliyun else ""
OUTBOX_ALIYUN_ACCESS_KEY_SECRET = env_str("OUTBOX_ALIYUN_ACCESS_KEY_SECRET") if _aliyun else ""
OUTBOX_ALIYUN_SIGN_NAME = env_str("OUTBOX_ALIYUN_SIGN_NAME") if _aliyun else ""
OUTBOX_ALIYUN_TEMPLATES = _outbox_templates("OUTBOX_ALIYUN_TEMPLATES")
_tencent = OUTBOX_BACKEND == "tencent"
OUTBOX_TENCENT_ENDPOINT = env_str("OUTBOX_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com/")
OUTBOX_TENCENT_REGION = env_str("OUTBOX_TENCENT_REGION", "ap-guangzhou")
OUTBOX_TENCENT_SECRET_ID = env_str("OUTBOX_TENCENT_SECRET_ID") if _tencent else ""
OUTBOX_TENCENT_SECRET_KEY = env_str("OUTBOX_TENCENT_SECRET_KEY") if _tencent else ""
OUTBOX_TENCENT_SDK_APP_ID = env_str("OUTBOX_TENCENT_SDK_APP_ID") if _tencent else ""
OUTBOX_TENCENT_SIGN_NAME = env_str("OUTBOX_TENCENT_SIGN_NAME") if _tencent else ""
OUTBOX_TENCENT_TEMPLATES = _outbox_templates("OUTBOX_TENCENT_TEMPLATES")
# --- end of the outbox block -------------------------------------------------------------

# --- Closing the loop: the satisfaction survey (feedback.surveys) --------------------------
# Links in customers' messages start with this public address (scheme and host, no path).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL={PUBLIC_BASE_URL!r}: give http(s)://host.")
# The survey link works this many days after it is sent; an unanswered survey becomes an
# agent's callback this many working days after it is sent.
SURVEY_LINK_DAYS = env_int("SURVEY_LINK_DAYS", 7)
SURVEY_UNANSWERED_WORKING_DAYS = env_int("SURVEY_UNANSWERED_WORKING_DAYS", 2)
if SURVEY_LINK_DAYS < 1 or SURVEY_UNANSWERED_WORKING_DAYS < 1:
    raise ImproperlyConfigured("SURVEY_LINK_DAYS and SURVEY_UNANSWERED_WORKING_DAYS must be ≥ 1.")

# --- Knowledge: early alerts (seed 004) -------------------------------------------------
# A product model + batch, or a tag, with more than THRESHOLD tickets in a calendar month is
# an alert; so is one whose month runs at SPIKE_RATIO times its average of the BASELINE_MONTHS
# before, pro rata to the part of the month gone (and at least SPIKE_MIN_COUNT tickets, so
# that 1 → 2 is no alarm).
KNOWLEDGE_ALERT_THRESHOLD = env_int("KNOWLEDGE_ALERT_THRESHOLD", 5)
KNOWLEDGE_ALERT_SPIKE_RATIO = env_int("KNOWLEDGE_ALERT_SPIKE_RATIO", 3)
KNOWLEDGE_ALERT_BASELINE_MONTHS = env_int("KNOWLEDGE_ALERT_BASELINE_MONTHS", 3)
KNOWLEDGE_ALERT_SPIKE_MIN_COUNT = env_int("KNOWLEDGE_ALERT_SPIKE_MIN_COUNT", 3)
if min(KNOWLEDGE_ALERT_THRESHOLD, KNOWLEDGE_ALERT_SPIKE_RATIO, KNOWLEDGE_ALERT_BASELINE_MONTHS) < 1:
    raise ImproperlyConfigured("The KNOWLEDGE_ALERT_* settings must be ≥ 1.")

# --- WeChat Work customer service (intake.wechat) -----------------------------------------
# Empty leaves the channel off: the callback answers 503 until corp id, token and AES key are
# set. The API base is overridable so a local fake WeChat can stand in.
WECHAT_WORK_CORP_ID = os.environ.get("WECHAT_WORK_CORP_ID", "")
WECHAT_WORK_TOKEN = os.environ.get("WECHAT_WORK_TOKEN", "")
WECHAT_WORK_AES_KEY = os.environ.get("WECHAT_WORK_AES_KEY", "")
WECHAT_WORK_SECRET = os.environ.get("WECHAT_WORK_SECRET", "")
WECHAT_WORK_API_BASE = env_str("WECHAT_WORK_API_BASE", "https://qyapi.weixin.qq.com")
# A callback whose timestamp is further than this from our clock, either way, is refused
# (403): a captured request cannot be replayed later.
WECHAT_WORK_TIMESTAMP_TOLERANCE_SECONDS = env_int("WECHAT_WORK_TIMESTAMP_TOLERANCE_SECONDS", 300)
# WeChat's API answers within a second or two; the sync holds its cursor lock meanwhile.
WECHAT_WORK_HTTP_TIMEOUT_SECONDS = env_int("WECHAT_WORK_HTTP_TIMEOUT_SECONDS", 10)


def _check_wechat_aes_key(value: str) -> None:
    """An EncodingAESKey is 43 base64 characters that decode (with "=") to 32 bytes."""
    import base64
    import binascii

    try:
        ok = len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise ImproperlyConfigured(
            "WECHAT_WORK_AES_KEY must be the 43-character EncodingAESKey from WeChat Work."
        )


if WECHAT_WORK_AES_KEY:
    _check_wechat_aes_key(WECHAT_WORK_AES_KEY)
# --- end of the WeChat Work block --------------------------------------------------------

# --- Security: sessions, cookies, headers, CSP, login throttling ---------------------------
# `make run` and the tests serve plain HTTP on 127.0.0.1; production serves HTTPS through a
# TLS-terminating proxy in front of gunicorn (the image itself speaks HTTP). DJANGO_HTTPS
# (default: on when PUBLIC_BASE_URL is https://) turns on every HTTPS setting below; each can
# still be overridden on its own. `manage.py check --deploy` is clean with it on
# (tests/security/test_deploy_check.py).
HTTPS = env_bool("DJANGO_HTTPS", PUBLIC_BASE_URL.startswith("https://"))
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
# The container healthcheck calls http://127.0.0.1:8000/healthz from inside: never redirect it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Trust the proxy's X-Forwarded-Proto only when one is in front (it must overwrite the header).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# A working day at the counter or on the phone; a stolen cookie is worth less after it.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 12 * 3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy (django-csp 4): scripts only from our static files (htmx, ECharts
# and static/js come from there), no inline script anywhere (data for scripts travels in
# json_script blocks, which are never executed). Styles from our CSS files; inline style
# *attributes* are allowed because ECharts writes its tooltips as HTML with style="…"
# (attributes cannot run script; <style> elements stay refused). The Swagger UI page
# (/api/docs/) is the one exception, relaxed in aftersales/urls.py for its inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused for AXES_COOLOFF_MINUTES (429, the login page with
# the reason); a successful login resets the count. Token-authenticated API calls never
# pass through authenticate() and are not affected.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/login.html"
# Behind a proxy every user would share its address: the same header as the rate limits.
if os.environ.get("RATELIMIT_IP_META_KEY"):
    AXES_IPWARE_META_PRECEDENCE_ORDER = (os.environ["RATELIMIT_IP_META_KEY"], "REMOTE_ADDR")
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT must be ≥ 1.")
# --- end of the security block -----------------------------------------------------------
