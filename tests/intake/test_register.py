import threading
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from intake.services import Complaint, complaint_register
from tests.tickets.factories import ProductFactory
from tickets.models import Customer, Ticket, TicketEvent

NOW = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def payload(**overrides):
    body = {
        "channel": "web",
        "external_ref": "web-form-0001",
        "customer_name": "王芳",
        "phone": "138 1234 5678",
        "product_model": "KFR-35GW",
        "description": "空调在制冷模式下运行15分钟后出风口有异响",
        "scene": "夜间",
        "symptom": "异响",
        "tried": "重启过",
        "description_confirmed": True,
        "confirmed_via": "preview",
    }
    body.update(overrides)
    return body


def test_register_normalises_phone_links_product_and_numbers_the_ticket(db):
    product = ProductFactory(model_code="KFR-35GW")

    ticket = complaint_register(
        complaint=Complaint(**payload(product_model="kfr-35gw")), actor=None, now=NOW
    ).ticket

    assert ticket.number.startswith("SH-20261122-")
    assert ticket.customer.phone == "+8613812345678"
    assert ticket.product == product and not ticket.has_unknown_product
    assert ticket.first_contact_due_at is not None
    assert ticket.events.get().verb == TicketEvent.Verb.CREATED


def test_unknown_model_is_accepted_and_flagged(db):
    ticket = complaint_register(
        complaint=Complaint(**payload(product_model="XYZ-9000")), actor=None, now=NOW
    ).ticket
    assert ticket.product is None
    assert ticket.has_unknown_product
    assert ticket.events.get().payload["unknown_product"] is True


def test_numbers_are_unique_and_increasing(db):
    numbers = [
        complaint_register(
            complaint=Complaint(**payload(external_ref=f"r{i}")), actor=None, now=NOW
        ).ticket.number
        for i in range(3)
    ]
    assert len(set(numbers)) == 3
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("phone", ["12345", "138123456789999", "abc", ""])
def test_invalid_phone_names_the_field_and_stores_nothing(db, phone):
    with pytest.raises(ValidationError) as excinfo:
        complaint_register(complaint=Complaint(**payload(phone=phone)), actor=None, now=NOW)
    assert "phone" in excinfo.value.message_dict
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_api_invalid_phone_is_400_naming_the_field(api_as, agent):
    response = api_as(agent).post(
        reverse("api-complaint-register"), payload(phone="12345"), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_api_same_channel_and_external_ref_twice_returns_the_first(api_as, agent):
    client = api_as(agent)
    first = client.post(reverse("api-complaint-register"), payload(), format="json")
    again = client.post(
        reverse("api-complaint-register"), payload(description="改了"), format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.count() == 1


def test_same_external_ref_on_another_channel_is_another_ticket(db):
    a = complaint_register(complaint=Complaint(**payload(channel="web")), actor=None).ticket
    b = complaint_register(complaint=Complaint(**payload(channel="wechat")), actor=None).ticket
    assert a.pk != b.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_ticket():
    results, barrier = [], threading.Barrier(4)

    def submit():
        barrier.wait()
        try:
            results.append(complaint_register(complaint=Complaint(**payload()), actor=None))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Ticket.objects.count() == 1
    assert len({r.ticket.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1


def test_confirmed_without_saying_how_is_refused(db):
    with pytest.raises(ValidationError) as excinfo:
        complaint_register(complaint=Complaint(**payload(confirmed_via="")), actor=None)
    assert "confirmed_via" in excinfo.value.message_dict


def test_store_clerk_registers_for_own_store_only(api_as, store_clerk, store_b):
    response = api_as(store_clerk).post(
        reverse("api-complaint-register"),
        payload(channel="store", confirmed_via="store", store=store_b.code),
        format="json",
    )
    assert response.status_code == 201
    assert Ticket.objects.get().store == store_clerk.store


def test_roles_without_add_permission_cannot_register(api_as, product_manager):
    response = api_as(product_manager).post(
        reverse("api-complaint-register"), payload(), format="json"
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()
