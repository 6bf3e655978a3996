"""Issue 8's done-when: a month of tickets with one batch over the threshold shows the alert and
the monthly report listing it, and the report's Excel and PDF open and name the batch."""

from __future__ import annotations

import random
from datetime import date, timedelta
from io import BytesIO
from itertools import count

from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from knowledge.models import Alert
from knowledge.services.alerts import alerts_check
from knowledge.services.monthly import monthly_report_build
from tests.knowledge.test_alerts import at, make_tickets, tag_all
from tests.tickets.factories import CustomerFactory, ProductFactory, TagFactory
from tickets.models import Ticket

HOT_MODEL, HOT_BATCH = "XQG100-B14", "202309-B07"
_numbers = count(1)


def _some_time_in(rng: random.Random, year: int, month: int):
    start = at(year, month, 1)
    following = at(year + month // 12, month % 12 + 1, 1)
    return start + timedelta(seconds=rng.randrange(int((following - start).total_seconds())))


def _ticket(customer, product, batch: str, received_at) -> Ticket:
    return Ticket(
        number=f"T-DW-{next(_numbers):06d}",
        channel=Ticket.Channel.PHONE,
        customer=customer,
        description="洗衣机脱水时噪音很大",
        product=product,
        batch=batch,
        received_at=received_at,
    )


def _a_month_of_tickets() -> int:
    """October 2026 with its three months of history, about 400 tickets in all.

    1. Noise: 30 model + batch subjects with 2-4 tickets in each of July-September (a real
       baseline) and 0-5 in October: never more than 5, never 3× their own average.
    2. Tags on October's noise, at most 5 tickets each (no history: no baseline).
    3. The hot batch: 8 tickets in October, one at 23:30 on the 31st; two more just after
       midnight on 1 November and three suggestions, which must not count.
    """
    rng = random.Random(8)
    customer = CustomerFactory()
    products = [ProductFactory(model_code=f"NOISE-{i:02d}") for i in range(6)]
    tags = [TagFactory(name=f"噪声标签{i}") for i in range(12)]
    rows: list[Ticket] = []
    october: list[Ticket] = []
    for i in range(30):
        product, batch = products[i % 6], f"2024{i % 12 + 1:02d}-N{i:02d}"
        for month in (7, 8, 9):
            rows += [
                _ticket(customer, product, batch, _some_time_in(rng, 2026, month))
                for _ in range(rng.randint(2, 4))
            ]
        october += [
            _ticket(customer, product, batch, _some_time_in(rng, 2026, 10))
            for _ in range(rng.randint(0, 5))
        ]
    Ticket.objects.bulk_create(rows + october)
    tagged = dict.fromkeys(tags, 0)
    for ticket in october:
        tag = rng.choice(tags)
        if tagged[tag] < 5:
            tag_all([ticket], tag)
            tagged[tag] += 1
    made = len(rows) + len(october)
    hot = ProductFactory(model_code=HOT_MODEL, name="滚筒洗衣机")
    for day in (2, 5, 9, 14, 18, 22, 27):
        make_tickets(1, received_at=at(2026, 10, day, 10), product=hot, batch=HOT_BATCH)
    make_tickets(1, received_at=at(2026, 10, 31, 23, 30), product=hot, batch=HOT_BATCH)
    make_tickets(2, received_at=at(2026, 11, 1, 0, 5), product=hot, batch=HOT_BATCH)
    make_tickets(3, received_at=at(2026, 10, 8, 10), product=hot, batch=HOT_BATCH, tier="S")
    return made + 13


def test_one_batch_over_threshold_shows_in_the_alert_the_report_and_its_exports(
    client, manager, db
):
    assert 300 <= _a_month_of_tickets() <= 500

    alerts_check(now=at(2026, 10, 31, 23, 50))

    [alert] = Alert.objects.all()
    assert (alert.kind, alert.rule) == (Alert.Kind.BATCH, Alert.Rule.THRESHOLD)
    assert (alert.product.model_code, alert.batch, alert.count) == (HOT_MODEL, HOT_BATCH, 8)

    report = monthly_report_build(month=date(2026, 10, 1), now=at(2026, 11, 1, 2, 0))
    [problem] = report.data["problems"]
    assert (problem["product_code"], problem["batch"], problem["count"]) == (
        HOT_MODEL,
        HOT_BATCH,
        8,
    )
    assert [a["id"] for a in report.data["alerts"]] == [alert.pk]

    client.force_login(manager)
    page = client.get(reverse("knowledge:monthly_detail", args=["2026-10"]))
    assert HOT_BATCH in page.content.decode()

    xlsx = client.get(reverse("knowledge:monthly_excel", args=["2026-10"]))
    assert xlsx.status_code == 200
    problems = load_workbook(BytesIO(xlsx.content)).worksheets[1]
    assert [(r[1], r[3], r[5]) for r in problems.iter_rows(min_row=2, values_only=True)] == [
        (HOT_MODEL, HOT_BATCH, 8)
    ]

    pdf = client.get(reverse("knowledge:monthly_pdf", args=["2026-10"]))
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert HOT_MODEL in text and HOT_BATCH in text
