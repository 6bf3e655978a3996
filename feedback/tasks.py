"""Outbox tasks: thin, by id. Deadlines live in Postgres; the sweeper is the safety net."""

from celery import shared_task

from feedback import services
from feedback.models import CustomerMessage


@shared_task(name="feedback.tasks.message_dispatch", ignore_result=True)
def message_dispatch(message_id: int) -> None:
    message = CustomerMessage.objects.filter(pk=message_id).first()
    if message is None:  # deleted with its ticket: nothing to send
        return
    services.message_send(message=message)


@shared_task(name="feedback.tasks.message_sweep", ignore_result=True)
def message_sweep() -> None:
    """Every minute (beat): enqueue due queued, retry_wait and rate_limited messages."""
    services.message_dispatch_due()


@shared_task(name="feedback.tasks.surveys_unanswered_sweep", ignore_result=True)
def surveys_unanswered_sweep() -> int:
    """Every 5 minutes (beat): surveys unanswered at their check time become agents' callbacks."""
    return services.surveys_unanswered_sweep()
