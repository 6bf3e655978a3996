"""线下门店登记 through its HTTP entry point: who may use it, which store, the confirmation."""

from uuid import uuid4

import pytest
from django.urls import reverse

from tests.tickets.factories import UserFactory
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.django_db
URL = "/store/new/"


def store_data(**change) -> dict:
    return {
        "customer_name": "赵敏",
        "phone": "13612345678",
        "product_model": "MB-FB40",
        "description": "电饭煲煮饭夹生，底部糊",
        "scene": "煮饭时",
        "symptom": "夹生",
        "tried": "换过内胆位置",
        "frequency": "每次",
        "customer_urgency": "high",
        "submission_id": str(uuid4()),
        "customer_confirmed": "on",
        **change,
    }


def test_store_clerk_registers_into_own_store_even_if_the_post_names_another(
    client, store_clerk, store_a, store_b
):
    client.force_login(store_clerk)

    response = client.post(URL, store_data(store=store_b.code, store_id=store_b.pk), follow=True)

    ticket = Ticket.objects.get()
    assert ticket.store == store_a
    assert ticket.channel == Ticket.Channel.STORE
    assert ticket.description_confirmed is True
    assert ticket.confirmed_via == Ticket.ConfirmedVia.STORE
    assert ticket.customer_urgency == Ticket.Urgency.HIGH
    assert response.redirect_chain == [(reverse("tickets:detail", args=[ticket.number]), 302)]
    assert ticket.number in next(str(m) for m in response.context["messages"])


def test_the_form_names_the_clerks_store(client, store_clerk, store_a):
    client.force_login(store_clerk)

    response = client.get(URL)

    assert response.status_code == 200
    assert store_a.name in response.content.decode()


def test_the_customer_must_confirm_on_screen(client, store_clerk):
    client.force_login(store_clerk)

    response = client.post(URL, store_data(customer_confirmed=""))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["customer_confirmed"]
    assert not Ticket.objects.exists()


def test_a_repeated_post_gives_one_ticket(client, store_clerk):
    client.force_login(store_clerk)
    data = store_data()

    first = client.post(URL, data)
    second = client.post(URL, data)

    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_invalid_phone_is_an_error_on_the_phone_field_and_stores_nothing(client, store_clerk):
    client.force_login(store_clerk)

    response = client.post(URL, store_data(phone="010-1"))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["phone"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize("description", ["", "x" * 5001])
def test_empty_or_too_long_description_is_a_field_error(client, store_clerk, description):
    client.force_login(store_clerk)

    response = client.post(URL, store_data(description=description))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["description"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_a_user_without_a_store_gets_403_with_a_reason(client, request, who):
    client.force_login(request.getfixturevalue(who))

    for response in (client.get(URL), client.post(URL, store_data())):
        assert response.status_code == 403
        assert "intake/store/no_store.html" in [t.name for t in response.templates]
    assert not Ticket.objects.exists()


def test_a_user_who_may_not_add_tickets_gets_403_even_with_a_store(client, store_a):
    client.force_login(UserFactory(role="engineer", store=store_a))

    assert client.post(URL, store_data()).status_code == 403
    assert not Ticket.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
