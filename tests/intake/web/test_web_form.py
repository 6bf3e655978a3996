"""官网售后入口 through its HTTP entry point: preview, confirm, result page, bad input."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import resolve, reverse
from django.utils import timezone

from intake.views.web import DONE_SALT
from tests.intake.web.helpers import form_data, payload_of, submit
from tests.tickets.factories import TicketFactory
from tickets.models import Customer, Ticket

pytestmark = pytest.mark.django_db
URL = "/service/"


def test_the_form_is_public_and_carries_an_idempotency_key_and_a_honeypot(client):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'name="submission_id" value="[0-9a-f-]{36}"', html)
    assert 'name="website"' in html


def test_each_form_render_gets_a_new_idempotency_key(client):
    keys = [
        re.search(r'name="submission_id" value="([^"]+)"', client.get(URL).content.decode())[1]
        for _ in range(2)
    ]
    assert keys[0] != keys[1]


def test_submitting_shows_a_summary_to_confirm_and_registers_nothing_yet(client):
    response = client.post(URL, form_data())

    assert response.status_code == 200
    assert "洗衣机脱水时噪音很大" in response.content.decode()
    assert payload_of(response)
    assert not Ticket.objects.exists()


def test_confirming_registers_one_confirmed_web_ticket_and_shows_number_and_contact_time(client):
    data = form_data()
    preview = client.post(URL, data)
    response = client.post(URL, {"payload": payload_of(preview), "action": "confirm"})

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.channel == Ticket.Channel.WEB
    assert ticket.description_confirmed is True
    assert ticket.confirmed_via == Ticket.ConfirmedVia.PREVIEW
    assert ticket.external_ref == data["submission_id"]
    assert ticket.customer.phone == "+8613812345678"
    assert (ticket.scene, ticket.symptom, ticket.tried) == ("脱水时", "异响", "重新放平过")
    assert str(ticket.purchase_date) == "2026-03-01"
    done = client.get(response["Location"])
    due = timezone.localtime(ticket.first_contact_due_at).strftime("%Y-%m-%d %H:%M")
    assert ticket.number in done.content.decode()
    assert due in done.content.decode()


def test_a_double_clicked_confirmation_gives_one_ticket(client):
    preview = client.post(URL, form_data())
    body = {"payload": payload_of(preview), "action": "confirm"}

    first = client.post(URL, body)
    second = client.post(URL, body)

    assert Ticket.objects.count() == 1
    assert first.status_code == second.status_code == 302
    # Both land on the one ticket's page (the signed token carries the second it was made).
    done = [resolve(response["Location"]) for response in (first, second)]
    assert {match.url_name for match in done} == {"web_done"}
    tokens = [match.kwargs["token"] for match in done]
    assert signing.loads(tokens[0], salt=DONE_SALT) == signing.loads(tokens[1], salt=DONE_SALT)
    assert signing.loads(tokens[0], salt=DONE_SALT) == Ticket.objects.get().pk


def test_editing_from_the_summary_returns_the_filled_form(client):
    preview = client.post(URL, form_data())

    response = client.post(URL, {"payload": payload_of(preview), "action": "edit"})

    assert response.status_code == 200
    assert "洗衣机脱水时噪音很大" in response.content.decode()
    assert 'name="payload"' not in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_tampered_summary_is_refused_and_stores_nothing(client):
    payload = payload_of(client.post(URL, form_data()))
    forged = signing.dumps({**form_data(), "description": "改过的"}, salt="someone-else")

    for bad in (payload[:-3] + "abc", forged):
        response = client.post(URL, {"payload": bad, "action": "confirm"})
        assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_invalid_phone_is_an_error_on_the_phone_field_and_stores_nothing(client):
    response = client.post(URL, form_data(phone="12345"))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["phone"]
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize("description", ["", "   ", "x" * 5001, "漏水\x00"])
def test_empty_too_long_or_binary_description_is_a_field_error(client, description):
    response = client.post(URL, form_data(description=description))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["description"]
    assert not Ticket.objects.exists()


def test_a_5000_character_description_is_fine(client):
    assert submit(client, description="漏" * 5000).status_code == 302
    assert len(Ticket.objects.get().description) == 5000


@pytest.mark.parametrize("change", [{"customer_urgency": "panic"}, {"purchase_date": "2026-13-45"}])
def test_other_garbage_is_a_field_error_never_500(client, change):
    response = client.post(URL, form_data(**change))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == list(change)


def test_a_filled_honeypot_shows_success_and_registers_nothing(client):
    response = client.post(URL, form_data(website="http://spam.example"))

    assert response.status_code == 200
    assert "intake/web/done.html" in [t.name for t in response.templates]
    assert 'name="payload"' not in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_the_result_page_cannot_be_reached_by_counting(client):
    ticket = TicketFactory(channel="web", confirmed_via="preview")

    assert client.get(reverse("intake:web_done", args=[str(ticket.pk)])).status_code == 404
    forged = signing.dumps(ticket.pk, salt="not-the-done-salt")
    assert client.get(reverse("intake:web_done", args=[forged])).status_code == 404
    token = signing.dumps(ticket.pk, salt=DONE_SALT)
    assert client.get(reverse("intake:web_done", args=[token])).status_code == 200


def test_the_result_page_shows_the_time_in_shanghai(client):
    received = timezone.now().replace(microsecond=0)
    ticket = TicketFactory(channel="web", confirmed_via="preview", now=received)
    token = signing.dumps(ticket.pk, salt=DONE_SALT)

    html = client.get(reverse("intake:web_done", args=[token])).content.decode()

    due = timezone.localtime(ticket.first_contact_due_at)
    assert due.utcoffset() == timedelta(hours=8)
    assert due.strftime("%Y-%m-%d %H:%M") in html


def test_submitting_more_than_five_times_an_hour_from_one_phone_is_429(client):
    for _ in range(5):
        assert submit(client).status_code == 302

    response = submit(client)

    assert response.status_code == 429
    assert Ticket.objects.count() == 5


def test_submitting_more_than_twenty_times_an_hour_from_one_ip_is_429(client):
    for n in range(20):
        assert submit(client, phone=f"1391234{n:04d}").status_code == 302

    response = submit(client, phone="13900000000")

    assert response.status_code == 429
    assert "intake/web/too_many.html" in [t.name for t in response.templates]
    assert Ticket.objects.count() == 20


def test_the_summary_escapes_what_the_customer_typed(client):
    response = client.post(URL, form_data(description="<script>alert(1)</script>漏水"))

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;漏水" in html
