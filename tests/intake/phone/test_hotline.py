import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token

from intake.forms.phone import readback_line
from intake.models import Call
from tests.tickets.factories import ProductFactory, TicketFactory, UserFactory
from tickets.models import Customer, Ticket, TicketEvent

T0 = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def form_data(**overrides):
    data = {
        "phone": "138 0013 8000",
        "customer_name": "刘洋",
        "product_model": "KFR-35GW",
        "scene": "制冷模式运行15分钟后",
        "symptom": "出风口有异响",
        "frequency": "晚上11点后明显",
        "tried": "重启过",
        "description": "空调制冷15分钟后出风口异响，晚上11点后明显",
        "customer_urgency": "normal",
        "customer_confirmed": "on",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


@pytest.fixture
def call_centre(db):
    user = UserFactory(username="callcentre")
    user.groups.add(Group.objects.get_or_create(name="call_centre")[0])
    return user


@pytest.fixture
def webhook(api, call_centre):
    token = Token.objects.create(user=call_centre)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def post(**event):
        body = {"vendor": "ccvendor", "call_id": "c-1", **event}
        return api.post(reverse("intake:call_events"), body, format="json")

    return post


def test_readback_line_is_built_from_the_fields():
    line = readback_line(product="空调", scene="制冷模式下运行15分钟后", symptom="出风口有异响")
    assert "空调" in line and "制冷模式下运行15分钟后" in line and "出风口有异响" in line


def test_form_shows_the_readback_in_chinese(client, agent):
    client.force_login(agent)
    page = client.get(reverse("intake:hotline_form")).content.decode()
    assert "您说的是" in page and "对吗" in page
    assert "客户已确认" in page


@pytest.mark.parametrize("role", ["product_manager", "engineer"])
def test_roles_that_do_not_register_get_403(request, db, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("intake:hotline_form")).status_code == 403


def test_store_staff_are_sent_to_their_walk_in_form_and_cannot_post_a_hotline_ticket(
    client, store_clerk
):
    client.force_login(store_clerk)
    response = client.get(reverse("intake:hotline_form"))
    assert response.status_code == 302
    assert response.url == reverse("intake:store_form")
    assert client.post(reverse("intake:hotline_form"), form_data()).status_code == 403
    assert not Ticket.objects.exists()


def test_without_the_customers_confirmation_nothing_is_registered(client, agent):
    client.force_login(agent)
    response = client.post(reverse("intake:hotline_form"), form_data(customer_confirmed=""))
    assert response.status_code == 400
    assert "customer_confirmed" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_confirmed_call_registers_a_read_back_ticket(client, agent):
    ProductFactory(model_code="KFR-35GW")
    client.force_login(agent)

    response = client.post(reverse("intake:hotline_form"), form_data())

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("tickets:detail", args=[ticket.number])
    assert (ticket.channel, ticket.confirmed_via) == ("phone", "read_back")
    assert ticket.description_confirmed and ticket.frequency == "晚上11点后明显"
    assert ticket.product.model_code == "KFR-35GW"


def test_invalid_phone_is_shown_on_the_field_and_nothing_stored(client, agent):
    client.force_login(agent)
    response = client.post(reverse("intake:hotline_form"), form_data(phone="12345"))
    assert "phone" in response.context["form"].errors
    assert not Ticket.objects.exists() and not Customer.objects.exists()


def test_double_submit_creates_one_ticket(client, agent):
    client.force_login(agent)
    data = form_data()
    client.post(reverse("intake:hotline_form"), data)
    client.post(reverse("intake:hotline_form"), data)
    assert Ticket.objects.count() == 1


def test_typing_the_number_pops_the_callers_history(client, agent, team_kitchen):
    earlier = TicketFactory(phone="13800138000", team=team_kitchen, description="电饭煲夹生")
    client.force_login(agent)

    found = client.get(reverse("intake:caller_history"), {"phone": "138-0013-8000"})
    unknown = client.get(reverse("intake:caller_history"), {"phone": "13900000000"})

    assert earlier.number in found.content.decode()
    assert earlier.number not in unknown.content.decode()


def test_webhook_needs_a_call_centre_token(api, agent):
    assert api.post(reverse("intake:call_events"), {}, format="json").status_code == 401
    api.force_authenticate(agent)
    assert api.post(reverse("intake:call_events"), {}, format="json").status_code == 403


def test_webhook_bad_payload_is_400_naming_fields(webhook):
    response = webhook(event="exploded", occurred_at="noon")
    assert response.status_code == 400
    assert {"event", "occurred_at"} <= set(response.json())
    assert not Call.objects.exists()


def test_repeated_and_out_of_order_events_give_one_call(webhook, agent):
    ended = webhook(
        event="ended",
        occurred_at=(T0 + timedelta(minutes=5)).isoformat(),
        recording_url="https://rec.example.com/c-1.mp3",
    )
    started = webhook(
        event="started",
        occurred_at=T0.isoformat(),
        caller="13800138000",
        callee="4008001234",
        agent="agent",
    )
    webhook(event="started", occurred_at=T0.isoformat(), caller="13800138000", agent="agent")

    assert (ended.status_code, started.status_code) == (200, 200)
    call = Call.objects.get()
    assert (call.started_at, call.ended_at) == (T0, T0 + timedelta(minutes=5))
    assert call.caller == "+8613800138000" and call.agent == agent
    assert call.recording_url.endswith("c-1.mp3")


def test_ring_prefills_and_the_call_is_attached_to_the_ticket(client, webhook, agent):
    now = datetime.now(UTC)
    webhook(event="started", occurred_at=now.isoformat(), caller="13800138000", agent="agent")
    call = Call.objects.get()
    client.force_login(agent)

    ringing = client.get(reverse("intake:ringing_call")).content.decode()
    assert 'data-phone="+8613800138000"' in ringing and f'data-call="{call.pk}"' in ringing

    client.post(reverse("intake:hotline_form"), form_data(phone="+8613800138000", call=call.pk))
    client.post(reverse("intake:hotline_form"), form_data(phone="+8613800138000", call=call.pk))
    ticket = Ticket.objects.get()
    call.refresh_from_db()
    assert call.ticket == ticket and ticket.external_ref == "call:ccvendor:c-1"
    assert client.get(reverse("intake:ringing_call")).content.decode().strip() == ""

    webhook(event="ended", occurred_at=(now + timedelta(minutes=3)).isoformat())
    webhook(event="ended", occurred_at=(now + timedelta(minutes=3)).isoformat())
    assert ticket.events.filter(verb=TicketEvent.Verb.CALL).count() == 1


def test_another_agents_call_cannot_be_claimed(client, webhook, agent, agent_other_team):
    webhook(
        event="started",
        occurred_at=datetime.now(UTC).isoformat(),
        caller="13800138000",
        agent="agent_aircon",
    )
    call = Call.objects.get()
    client.force_login(agent)
    client.post(reverse("intake:hotline_form"), form_data(call=call.pk))
    call.refresh_from_db()
    assert call.ticket is None
