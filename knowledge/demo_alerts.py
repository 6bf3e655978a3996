"""Demo data for the early alerts and the monthly report: one washing-machine batch that keeps
coming back, then the alerts it raises and the reports of this month and the one before.

`manage.py seed_demo` calls `alerts_demo_seed` after the demo tickets exist. Idempotent: the
tickets carry external references (intake returns the first ticket on a retry), the alert
check creates nothing twice and an existing monthly report is kept.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from intake.services import Complaint, complaint_register
from knowledge.selectors.alerts import month_of, month_shift, month_window
from knowledge.services.alerts import alerts_check
from knowledge.services.monthly import monthly_report_build
from tickets.models import Product, Tag, Ticket

MODEL, BATCH = "TB80V23H", "202508-B12"
# Six last month (over the threshold of 5), seven so far this month: an alert, and a problem
# in both monthly reports.
PER_MONTH = {"prev": 6, "cur": 7}
NAMES = ["王芳", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊"]


def _complaint(*, key: str, index: int, received_at: datetime) -> Complaint:
    tag = Tag.objects.filter(name="排水脱水故障").first()
    return Complaint(
        channel=Ticket.Channel.WEB,
        external_ref=f"demo-alert-{key}-{index:02d}",
        customer_name=NAMES[index % len(NAMES)],
        phone=f"1390008{2 if key == 'cur' else 1}{index:03d}",
        description="洗衣机脱水时噪音特别大，像有东西在撞，整机跳动",
        product_model=MODEL,
        batch=BATCH,
        scene="脱水时",
        symptom="撞击声、机身跳动",
        frequency="每次脱水",
        description_confirmed=True,
        confirmed_via=Ticket.ConfirmedVia.PREVIEW,
        tier=Ticket.Tier.L2,
        category=Ticket.Category.QUALITY,
        tags=[tag] if tag else None,
        received_at=received_at,
    )


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    step = (end - start) / (count + 1)
    return [start + step * (i + 1) for i in range(count)]


@transaction.atomic
def alerts_demo_seed(*, now: datetime) -> None:
    """1. The batch's tickets, spread over last month and this month up to `now`.
    2. The alert check at `now`. 3. The reports of last month and this month (kept if made)."""
    if not Product.objects.filter(model_code=MODEL).exists():
        return  # the demo products are not there: nothing to hang the story on
    this_month = month_window(month_of(now))
    last_month = month_window(month_shift(this_month.month, -1))
    windows = {"prev": (last_month.start, last_month.end), "cur": (this_month.start, now)}
    for key, (start, end) in windows.items():
        for index, received_at in enumerate(_spread(start, end, PER_MONTH[key])):
            complaint_register(
                complaint=_complaint(key=key, index=index, received_at=received_at),
                actor=None,
                now=received_at,
            )
    alerts_check(now=now)
    monthly_report_build(month=last_month.month, now=now, replace=False)
    monthly_report_build(month=this_month.month, now=now, replace=False)
