"""Intake tasks: thin. The submission rows in Postgres are the truth; tasks only nudge."""

from celery import shared_task

from intake import services
from intake.models import WechatCallbackEvent
from intake.wechat import delivery
from intake.wechat import services as wechat_services
from intake.wechat.client import WechatApiError


@shared_task(name="intake.tasks.submissions_drain", ignore_result=True)
def submissions_drain_task() -> None:
    """Nudged after an accepted submission commits, and every 30 s by beat (the sweep that
    registers what a lost nudge left behind, say while Redis was down)."""
    services.submissions_drain()


# WeChat's API may fail for a while: retried with exponential backoff (up to 10 min apart);
# acks_late (also the global default) redoes a task whose worker was lost.
WECHAT_RETRY = {
    "ignore_result": True,
    "acks_late": True,
    "autoretry_for": (WechatApiError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(name="intake.tasks.wechat_kf_sync", **WECHAT_RETRY)
def wechat_kf_sync(event_id: int) -> None:
    """Pull the messages a kf_msg_or_event announced; WeChat's errors retry with backoff."""
    event = WechatCallbackEvent.objects.filter(pk=event_id).first()
    if event is not None:
        wechat_services.wechat_kf_sync(event=event)


@shared_task(name="intake.tasks.wechat_message_send", **WECHAT_RETRY)
def wechat_message_send(message_id: int) -> None:
    delivery.wechat_message_send(message_id=message_id)


@shared_task(name="intake.tasks.wechat_events_resync", ignore_result=True)
def wechat_events_resync() -> None:
    """Every minute (beat): pull for accounts whose kf events lost their sync task."""
    wechat_services.wechat_events_resync()
