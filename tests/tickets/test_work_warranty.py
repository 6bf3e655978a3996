"""Warranty status from the purchase date and Product.warranty_months, at its boundaries."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from tickets.models import Product, Ticket


def ticket_bought(purchase_date: date | None, months: int = 12) -> Ticket:
    product = Product(model_code="T-1", name="测试", category="rice_cooker", warranty_months=months)
    return Ticket(product=product, purchase_date=purchase_date)


def status_at(ticket: Ticket, now: datetime) -> str:
    return ticket.warranty_status(timezone.localdate(now))


def test_a_years_warranty_covers_through_the_day_before_the_anniversary():
    ticket = ticket_bought(date(2026, 3, 2))
    assert ticket.warranty_ends_on == date(2027, 3, 1)
    assert status_at(ticket, datetime(2027, 3, 1, 15, 59, tzinfo=UTC)) == "in_warranty"
    # 16:00 UTC is midnight in Shanghai: the customer's next day, out of warranty.
    assert status_at(ticket, datetime(2027, 3, 1, 16, 0, tzinfo=UTC)) == "expired"


@pytest.mark.parametrize(
    ("bought", "months", "ends_on"),
    [
        (date(2026, 1, 1), 12, date(2026, 12, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the whole month
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day: through 28 February
        (date(2026, 11, 15), 36, date(2029, 11, 14)),
        (date(2026, 5, 10), 0, date(2026, 5, 9)),  # no warranty at all
    ],
)
def test_warranty_end_dates_across_months_and_years(bought, months, ends_on):
    assert ticket_bought(bought, months).warranty_ends_on == ends_on


def test_without_a_purchase_date_or_a_product_the_status_says_so():
    assert ticket_bought(None).warranty_status(date(2026, 11, 23)) == "no_purchase_date"
    assert ticket_bought(None).warranty_ends_on is None
    unknown = Ticket(product=None, purchase_date=date(2026, 1, 1))
    assert unknown.warranty_status(date(2026, 11, 23)) == "no_product"
