from celery import shared_task

from aftersales import health


@shared_task(name="aftersales.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Record that beat scheduled and a worker ran a task; /healthz reports its age."""
    health.beat_tick_record()
