"""The Celery app. Every beat schedule of the project is defined here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

# The apps' tasks modules are autodiscovered; the project-level one is not an app, so name it.
app = Celery("aftersales", include=["aftersales.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "beat-heartbeat": {
        "task": "aftersales.tasks.beat_heartbeat",
        "schedule": float(os.environ.get("BEAT_HEARTBEAT_SECONDS", "30")),
    },
    # The outbox's safety net: due, retrying and rate-limited messages, and lost tasks.
    "feedback-outbox-sweep": {
        "task": "feedback.tasks.message_sweep",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "60")),
    },
    # Issue 7: surveys unanswered 2 working days after sending become agents' callbacks.
    # The check time is in Postgres; a skipped run is caught up by the next.
    "feedback-surveys-unanswered": {
        "task": "feedback.tasks.surveys_unanswered_sweep",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Intake's safety net: accepted submissions whose registration task never came.
    "intake-submission-sweep": {
        "task": "intake.tasks.submissions_drain",
        "schedule": float(os.environ.get("INTAKE_SWEEP_SECONDS", "30")),
    },
    # WeChat's safety net: kf events whose pull task was lost.
    "intake-wechat-resync": {
        "task": "intake.tasks.wechat_events_resync",
        "schedule": 60.0,
    },
    # SLA enforcement: warnings, breaches, progress updates, callbacks due in Postgres.
    # A tick older than its period is dropped: the next one sweeps the same rows.
    "sla-tick": {
        "task": "sla.tasks.sla_tick",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # The managers' SLA dashboard figures, fresh each minute (sla.dashboard).
    "sla-dashboard-warm": {
        "task": "sla.tasks.dashboard_warm",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Knowledge (seed 004): this month's alerts per model + batch and per tag; reruns are
    # harmless (one alert per subject and month), so a missed hour is caught up by the next.
    "knowledge-alerts-check": {
        "task": "knowledge.tasks.alerts_check",
        "schedule": crontab(minute=7),
        "options": {"expires": 3600},
    },
    # The monthly feedback analysis of the month before, on the 1st at 02:00 Shanghai time.
    "knowledge-monthly-report": {
        "task": "knowledge.tasks.monthly_report_generate",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
}
