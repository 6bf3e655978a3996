"""Hostile values through every entry point: a clear 4xx, or (for free text) a 2xx that stored
the text as sent and renders it escaped; never a 500, never half a complaint."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import timedelta
from uuid import uuid4

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from feedback.models import CustomerMessage, Survey
from feedback.surveys import survey_token
from intake.models import Call, WechatCallbackEvent
from knowledge.models import Article
from tests.intake.phone.test_hotline import form_data as hotline_data
from tests.intake.store.test_store_form import store_data
from tests.intake.web.helpers import form_data as web_data
from tests.intake.web.helpers import payload_of
from tests.intake.wechat.test_callback import post_xml
from tests.tickets.factories import TicketFactory, UserFactory
from tickets.models import Attachment, Customer, Ticket, TicketEvent

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Free text that is legitimately stored as sent (and must then render escaped).
STORABLE = {
    "script": SCRIPT,
    "img": IMG,
    "zero_width": "洗衣机\u200b漏水\u200b\ufeff",
    "rtl_override": "洗衣机漏水\u202egpj.exe",
    "sql": "'; DROP TABLE tickets_ticket; --",
}
# What must be refused by name: PostgreSQL text cannot hold NUL; 1 MB is past every limit.
REFUSED = {
    "nul": "漏水\x00",
    "one_mb": "x" * (1 << 20),
}
HOSTILE = {**STORABLE, **REFUSED}


def complaint(**change) -> dict:
    return {
        "channel": "web",
        "customer_name": "王芳",
        "phone": "13812345678",
        "description": "洗衣机脱水时噪音很大",
        **change,
    }


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Ticket, Customer, TicketEvent, CustomerMessage, Attachment, Call)
    )


def assert_escaped(html: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html


# --- the API: POST /api/v1/tickets/ and /api/v1/intake/complaints/ ---------------------------


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("field", ["description", "customer_name", "scene", "product_model"])
def test_hostile_text_in_a_complaint_is_stored_as_sent_or_refused_by_name(
    api_as, agent, name, field
):
    value = HOSTILE[name]
    response = api_as(agent).post(
        reverse("api-ticket-list"), complaint(**{field: value}), format="json"
    )

    if name in REFUSED:
        assert response.status_code == 400, response.content[:300]
        assert field in response.json()
        assert not Ticket.objects.exists() and not Customer.objects.exists()
    else:
        assert response.status_code == 201, response.content[:300]
        ticket = Ticket.objects.select_related("customer").get()
        stored = {
            "description": ticket.description,
            "customer_name": ticket.customer.name,
            "scene": ticket.scene,
            "product_model": ticket.product_model_text,
        }
        assert stored[field] == value


RAW_BODIES = {
    "lone_surrogate": '{"channel": "web", "customer_name": "王芳", "phone": "13812345678", '
    '"description": "漏水\\ud800"}',
    "invalid_utf8": b'{"channel": "web", "customer_name": "\xff\xfe", "phone": "13812345678", '
    b'"description": "\xc3\x28"}',
    "huge_number": '{"channel": "web", "customer_name": "王芳", "phone": 1e400, '
    '"description": "漏水", "purchase_date": 99999999999999999999999999}',
    "arrays_for_strings": '{"channel": ["web"], "customer_name": ["王芳"], "phone": {"a": 1}, '
    '"description": ["漏水", "冒烟"]}',
    "nan": '{"channel": "web", "customer_name": NaN, "phone": "13812345678", "description": "x"}',
    "deep_nesting": '{"description": ' + "[" * 5000 + "]" * 5000 + "}",
}


@pytest.mark.parametrize("name", RAW_BODIES)
@pytest.mark.parametrize("route", ["api-ticket-list", "api-complaint-register", "api-submission"])
def test_malformed_json_bodies_are_400_and_store_nothing(api_as, agent, name, route):
    before = counts()
    response = api_as(agent).post(
        reverse(route), data=RAW_BODIES[name], content_type="application/json"
    )

    assert response.status_code == 400, response.content[:300]
    assert counts() == before


@pytest.mark.parametrize("name", ["lone_surrogate", "arrays_for_strings", "deep_nesting"])
def test_the_triage_api_refuses_what_it_cannot_read(api, db, name):
    body = RAW_BODIES[name].replace('"channel": "web", ', "")
    response = api.post(reverse("api-triage"), data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]


@pytest.mark.parametrize("name", HOSTILE)
def test_the_triage_api_reads_hostile_text_and_creates_nothing(api, db, name):
    response = api.post(reverse("api-triage"), {"description": HOSTILE[name]}, format="json")
    assert response.status_code == (400 if name in REFUSED else 200), response.content[:300]
    assert not Ticket.objects.exists()


def test_a_stored_script_renders_escaped_on_the_ticket_page_and_in_the_list(api_as, client, agent):
    body = complaint(description=SCRIPT, scene=IMG, customer_name=IMG)
    number = api_as(agent).post(reverse("api-ticket-list"), body, format="json").json()["number"]
    client.force_login(agent)

    page = client.get(reverse("tickets:detail", args=[number])).content.decode()
    listing = client.get(reverse("tickets:list")).content.decode()

    assert_escaped(page)
    assert_escaped(listing)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- the call centre's webhook -------------------------------------------------------------


@pytest.fixture
def call_centre_api(api, db):
    user = UserFactory(username="callcentre")
    user.groups.add(Group.objects.get(name="call_centre"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


CALL_EVENTS = [
    ({"vendor": SCRIPT * 10}, "vendor"),
    ({"call_id": "c" * (1 << 20)}, "call_id"),
    ({"caller": "138\x00"}, "caller"),
    ({"occurred_at": "0118-05-08T03:51:00Z"}, "occurred_at"),  # found by schemathesis
    ({"occurred_at": "9999-12-31T23:59:59Z"}, "occurred_at"),
    ({"recording_url": "javascript:alert(1)"}, "recording_url"),
    ({"event": ["started"]}, "event"),
]


@pytest.mark.parametrize(("change", "field"), CALL_EVENTS)
def test_hostile_call_events_are_400_naming_the_field(call_centre_api, change, field):
    body = {"vendor": "ccc", "call_id": "c-1", "event": "started", **change}
    body.setdefault("occurred_at", "2026-11-22T06:00:00Z")

    response = call_centre_api.post(reverse("intake:call_events"), body, format="json")

    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert not Call.objects.exists()


# --- the website form, its preview and confirmation -----------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_the_website_form_previews_hostile_text_escaped_or_refuses_it(client, db, name):
    before = counts()
    preview = client.post(reverse("intake:web_form"), web_data(description=HOSTILE[name]))

    assert preview.status_code == (400 if name in REFUSED else 200)
    assert_escaped(preview.content.decode())
    assert counts() == before


def test_a_confirmed_website_complaint_with_markup_is_stored_as_sent_and_shown_escaped(client, db):
    preview = client.post(reverse("intake:web_form"), web_data(description=SCRIPT, scene=IMG))
    done = client.post(
        reverse("intake:web_form"),
        {"payload": payload_of(preview), "action": "confirm"},
        follow=True,
    )

    assert done.status_code == 200
    assert Ticket.objects.get().description == SCRIPT
    assert_escaped(done.content.decode())


@pytest.mark.parametrize(
    "payload",
    [SCRIPT, "x" * (1 << 20), "\x00", "a:b:c", IMG],
)
def test_a_forged_preview_payload_is_refused_and_registers_nothing(client, db, payload):
    response = client.post(reverse("intake:web_form"), {"payload": payload, "action": "confirm"})
    assert response.status_code == 400
    assert_escaped(response.content.decode())
    assert not Ticket.objects.exists()


def test_invalid_utf8_in_a_form_body_is_read_as_replacement_characters_not_a_500(client, db):
    body = "&".join(f"{k}={v}" for k, v in web_data(description="x").items() if k != "description")
    response = client.post(
        reverse("intake:web_form"),
        data=body + "&description=%FF%FE%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400)
    assert not Ticket.objects.exists()


# --- the hotline form and the store form -----------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_the_hotline_form_stores_hostile_text_as_sent_or_refuses_it(client, agent, name):
    client.force_login(agent)
    response = client.post(
        reverse("intake:hotline_form"), hotline_data(description=HOSTILE[name], tried=IMG)
    )

    if name in REFUSED:
        assert response.status_code == 400
        assert "description" in response.context["form"].errors
        assert not Ticket.objects.exists()
    else:
        assert response.status_code == 302
        assert Ticket.objects.get().description == HOSTILE[name]
        assert_escaped(client.get(response.url).content.decode())


def _png_header(width: int, height: int) -> bytes:
    """A PNG that announces width × height pixels and carries one row: a decompression bomb's
    calling card, a few dozen bytes long."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4))
        + chunk(b"IEND", b"")
    )


UPLOADS = {
    "text_named_png": SimpleUploadedFile("photo.png", b"<script>alert(1)</script>", "image/png"),
    "huge_dimensions_png": SimpleUploadedFile("bomb.png", _png_header(100_000, 100_000)),
    "html_named_pdf": SimpleUploadedFile("receipt.pdf", b"<html>%PDF-</html>", "application/pdf"),
}


@pytest.mark.parametrize("name", UPLOADS)
def test_fake_uploads_are_refused_by_name_and_leave_no_ticket(
    client, store_clerk, name, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    upload = UPLOADS[name]
    upload.seek(0)
    client.force_login(store_clerk)

    response = client.post(reverse("intake:store_form"), {**store_data(), "files": [upload]})

    assert response.status_code == 400
    assert upload.name in response.content.decode()
    assert not Ticket.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_a_12_mb_upload_is_refused_and_leaves_no_ticket(client, store_clerk, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(store_clerk)
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (12 << 20), "application/pdf")

    response = client.post(reverse("intake:store_form"), {**store_data(), "files": [big]})

    assert response.status_code == 400
    assert not Ticket.objects.exists() and not list(tmp_path.rglob("*.*"))


@pytest.mark.parametrize("name", ["script", "nul", "one_mb"])
def test_the_store_form_stores_or_refuses_hostile_text(client, store_clerk, name):
    client.force_login(store_clerk)
    response = client.post(reverse("intake:store_form"), store_data(symptom=HOSTILE[name]))
    if name in REFUSED:
        assert response.status_code == 400
        assert "symptom" in response.context["form"].errors
        assert not Ticket.objects.exists()
    else:
        assert response.status_code == 302
        assert Ticket.objects.get().symptom == SCRIPT
        assert_escaped(client.get(response.url).content.decode())


# --- the ticket page's actions: note and message ---------------------------------------------


def _work(client, ticket, action, **data):
    ticket.refresh_from_db()
    data["seen_updated_at"] = ticket.updated_at.isoformat()
    return client.post(reverse("tickets:work_action", args=[ticket.number, action]), data)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_note_is_stored_and_shown_escaped_or_refused(client, agent, ticket, name):
    client.force_login(agent)
    events = TicketEvent.objects.count()

    response = _work(client, ticket, "note", text=HOSTILE[name])

    if name in REFUSED:
        assert response.status_code == 400
        assert TicketEvent.objects.count() == events
    else:
        assert response.status_code == 302
        page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
        assert_escaped(page)


@pytest.mark.parametrize("name", ["script", "nul", "one_mb"])
def test_a_hostile_message_to_the_customer_is_queued_as_sent_or_refused(
    client, agent, ticket, name
):
    client.force_login(agent)
    page = client.get(reverse("tickets:detail", args=[ticket.number]))
    slot = page.context["work"]["forms"]["message"]["slot"].value()
    before = CustomerMessage.objects.count()

    response = _work(client, ticket, "message", text=HOSTILE[name], slot=slot)

    if name in REFUSED:
        assert response.status_code == 400
        assert CustomerMessage.objects.count() == before
    else:
        assert response.status_code == 302
        assert CustomerMessage.objects.count() == before + 1


# --- the customer's survey page ---------------------------------------------------------------


@pytest.fixture
def survey(team_kitchen):
    now = timezone.now()
    return Survey.objects.create(
        ticket=TicketFactory(team=team_kitchen),
        callback_due_at=now + timedelta(days=2),
        nonce=uuid4().hex,
        sent_at=now,
        expires_at=now + timedelta(days=7),
    )


SURVEY_POSTS = [
    {"satisfaction": SCRIPT, "solved": "yes"},
    {"satisfaction": "99999999999999999999999", "solved": "yes"},
    {"satisfaction": "5", "solved": ["yes", "no"], "nps": "-1"},
    {"satisfaction": "5", "solved": "yes", "comment": "差\x00评"},
    {"satisfaction": "5", "solved": "yes", "comment": "差" * (1 << 20)},
]


@pytest.mark.parametrize("data", SURVEY_POSTS)
def test_a_hostile_survey_answer_records_nothing_and_is_escaped(client, survey, data):
    response = client.post(reverse("survey", args=[survey_token(survey)]), data)

    assert response.status_code == 200
    assert_escaped(response.content.decode())
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.satisfaction is None


def test_a_survey_comment_with_markup_is_kept_as_written(client, survey):
    data = {"satisfaction": "4", "solved": "yes", "comment": SCRIPT}
    response = client.post(reverse("survey", args=[survey_token(survey)]), data)

    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.comment == SCRIPT


# --- the knowledge base's public suggestions and deflection ----------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_public_suggestions_read_hostile_text_and_answer_an_escaped_fragment(client, db, name):
    response = client.get(reverse("knowledge:public_suggest"), {"q": HOSTILE[name]})
    assert response.status_code in (200, 400)
    assert_escaped(response.content.decode())


def test_deflecting_an_unknown_article_is_404_and_counts_nothing(client, db):
    assert client.post("/knowledge/public/articles/999999/solved/").status_code == 404
    assert client.post("/knowledge/public/articles/99999999999999999999/solved/").status_code == 404
    assert not Article.objects.exists()


# --- WeChat Work's callback (the signed, encrypted XML; bombs and XXE are in
# tests/intake/wechat/test_callback.py, these are what that list lacks) ------------------------

WECHAT_BODIES = {
    "quadratic_blowup": '<!DOCTYPE x [<!ENTITY a "'
    + "a" * 50_000
    + '">]><xml><Encrypt>'
    + "&a;" * 2_000
    + "</Encrypt></xml>",
    "parameter_entity": '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
    "<xml><Encrypt>x</Encrypt></xml>",
    "invalid_utf8": b"<xml><Encrypt>\xff\xfe\xc3\x28</Encrypt></xml>",
    "nul": "<xml><Encrypt>\x00</Encrypt></xml>",
    "one_mb": "<xml><Encrypt>" + "A" * (1 << 20) + "</Encrypt></xml>",
}


@pytest.mark.parametrize("name", WECHAT_BODIES)
def test_hostile_wechat_bodies_are_400_and_store_nothing(client, db, wechat, name):
    response = post_xml(client, wechat.query("x"), WECHAT_BODIES[name])
    assert response.status_code in (400, 403, 413), response.content[:200]
    assert b"root:" not in response.content
    assert not WechatCallbackEvent.objects.exists()


def test_wechat_get_with_a_hostile_echostr_is_400(client, db, wechat):
    query = {**wechat.query("x"), "echostr": SCRIPT + "\x00"}
    response = client.get(reverse("intake:wechat_callback"), query)
    assert response.status_code in (400, 403)
    assert SCRIPT.encode() not in response.content


def test_json_error_bodies_are_json_even_for_a_hostile_body(api_as, agent):
    response = api_as(agent).post(
        reverse("api-triage"),
        data=json.dumps({"description": [SCRIPT]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
