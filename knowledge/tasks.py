"""Knowledge tasks: thin, each calls its service. The beat schedule is in aftersales/celery.py."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from knowledge import search
from knowledge.selectors.alerts import previous_month
from knowledge.services.alerts import alerts_check as alerts_check_service
from knowledge.services.monthly import monthly_report_build


@shared_task(name="knowledge.tasks.alerts_check", ignore_result=True)
def alerts_check() -> int:
    """Hourly (beat): raise this month's alerts, refresh their counts; how many are new."""
    return len(alerts_check_service())


@shared_task(name="knowledge.tasks.monthly_report_generate", ignore_result=True)
def monthly_report_generate(month: str | None = None, force: bool = False) -> int:
    """On the 1st at 02:00 Shanghai time (beat): the report of the month before.

    A rerun keeps the report already made unless `force`; `month` ("YYYY-MM") picks another.
    """
    now = timezone.now()
    first = date.fromisoformat(f"{month}-01") if month else previous_month(now)
    return monthly_report_build(month=first, now=now, replace=force).pk


@shared_task(name="knowledge.tasks.articles_reindex", ignore_result=True)
def articles_reindex() -> int:
    """After a synonym group changed: index every article with the words jieba now keeps whole."""
    return search.articles_reindex()
