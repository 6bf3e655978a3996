"""Two checks at once (beat's hourly run and a manual one) raise each alert once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from knowledge.models import Alert
from knowledge.services.alerts import alerts_check
from tests.knowledge.test_alerts import NOW, at, make_tickets
from tests.tickets.factories import ProductFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_raise_each_alert_once():
    product = ProductFactory(model_code="XQG100-B1")
    for batch in ("B1", "B2", "B3"):
        make_tickets(6, received_at=at(2026, 10, 3, 10), product=product, batch=batch)
    start = threading.Barrier(2)
    raised: list[int] = []
    errors: list[BaseException] = []

    def check() -> None:
        try:
            start.wait(timeout=10)
            raised.append(len(alerts_check(now=NOW)))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(raised) == 3
    assert Alert.objects.count() == 3
