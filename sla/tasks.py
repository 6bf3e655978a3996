"""SLA tasks: thin. Deadlines live in Postgres; beat only says "look now"."""

from celery import shared_task

from sla import dashboard, services


@shared_task(name="sla.tasks.sla_tick", ignore_result=True)
def sla_tick() -> dict[str, int]:
    """Every 30 s (beat): act on every SLA checkpoint that has come (sla.services.sla_sweep)."""
    return services.sla_sweep().as_dict()


@shared_task(name="sla.tasks.dashboard_warm", ignore_result=True, expires=60)
def dashboard_warm() -> None:
    """Every minute (beat): the managers' SLA figures, computed before anyone asks."""
    dashboard.dashboard_warm()
