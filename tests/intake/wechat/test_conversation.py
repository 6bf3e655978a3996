"""The dialogue, end to end: WeChat's callback → sync_msg → questions → "1" → ticket → replies."""

from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from feedback.models import CustomerMessage, MessageKind
from intake.models import WechatConversation, WechatMessage
from intake.triage import PROMPTS
from intake.wechat import wording
from tests.intake.wechat.fake_api import CUSTOMER, OPEN_KFID
from tests.intake.wechat.helpers import Customer
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client, wechat, wechat_api, eager_celery, django_capture_on_commit_callbacks):
    return Customer(
        client=client, wechat=wechat, api=wechat_api, capture=django_capture_on_commit_callbacks
    )


def confirm_a_complaint(customer: Customer) -> list[str]:
    """The whole dialogue up to the summary; returns the summary message."""
    assert customer.say("你好", msgid="first-msg") == [wording.GREETING + wording.ASK_DESCRIPTION]
    assert customer.say("洗碗机不出水") == [PROMPTS["scene"]]
    assert customer.say("每次洗碗的时候") == [PROMPTS["symptom"]]
    assert customer.say("完全不进水，显示E1") == [PROMPTS["tried"]]
    assert customer.say("重启过，没用") == [PROMPTS["product_model"]]
    assert customer.say("WQP12-J7") == [wording.ASK_PHONE]
    return customer.say("王先生 13812345678")


def test_a_whole_conversation_registers_a_confirmed_ticket_and_acknowledges_it_on_wechat(
    customer, wechat_api
):
    [summary] = confirm_a_complaint(customer)
    assert summary.startswith("请核对您的售后申请：")
    for line in (
        "产品型号：WQP12-J7",
        "问题描述：洗碗机不出水",
        "出现场景：每次洗碗的时候",
        "具体现象：完全不进水，显示E1",
        "已尝试：重启过，没用",
        "联系方式：王先生 138****5678",
    ):
        assert line in summary
    assert "回复1确认" in summary
    assert not Ticket.objects.exists()

    [acknowledgement] = customer.say("1")

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.external_ref) == (Ticket.Channel.WECHAT, "first-msg")
    assert ticket.description_confirmed
    assert ticket.confirmed_via == Ticket.ConfirmedVia.WECHAT_REPLY
    assert (ticket.scene, ticket.symptom, ticket.tried) == (
        "每次洗碗的时候",
        "完全不进水，显示E1",
        "重启过，没用",
    )
    assert ticket.product_model_text == "WQP12-J7"
    assert (ticket.customer.name, ticket.customer.phone) == ("王先生", "+8613812345678")
    # The acknowledgement is the outbox's, delivered by send_msg inside the window.
    message = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.ACKNOWLEDGEMENT)
    assert (message.status, message.backend) == (CustomerMessage.Status.SENT, "wechat")
    assert acknowledgement == message.body
    assert ticket.number in acknowledgement
    # The whole dialogue is the ticket's thread: 8 customer messages, 8 of ours.
    thread = WechatMessage.objects.filter(ticket=ticket)
    assert thread.filter(direction="in").count() == 8
    assert thread.filter(direction="out", status="sent").count() == 8
    conversation = WechatConversation.objects.get()
    assert conversation.state == WechatConversation.State.REGISTERED
    assert conversation.sent_total == 8
    assert wechat_api.sent[-1]["touser"] == CUSTOMER


def test_a_message_while_the_ticket_is_open_joins_the_thread_without_a_bot_answer(customer):
    confirm_a_complaint(customer)
    customer.say("1")
    assert customer.say("什么时候上门？") == []
    ticket = Ticket.objects.get()
    assert ticket.wechat_messages.filter(content="什么时候上门？").exists()


def test_the_same_msgid_again_registers_no_second_ticket_and_sends_no_second_reply(
    customer, wechat_api
):
    confirm_a_complaint(customer)
    customer.say("1", msgid="confirm-1")
    sent = len(wechat_api.sent)
    # WeChat delivers the same messages again (say, after a cursor of its own was reset).
    assert customer.say("1", msgid="confirm-1") == []
    assert customer.say("洗碗机不出水", msgid="first-msg") == []
    assert Ticket.objects.count() == 1
    assert len(wechat_api.sent) == sent
    assert WechatMessage.objects.filter(msgid="confirm-1").count() == 1


def test_an_addition_instead_of_1_is_summarised_again(customer):
    confirm_a_complaint(customer)
    [summary] = customer.say("另外机器有点漏水")
    assert "洗碗机不出水\n另外机器有点漏水" in summary
    assert "回复1确认" in summary
    assert not Ticket.objects.exists()


def test_a_phone_that_does_not_parse_is_asked_again(customer):
    # Scene, what was tried and the model are in the first message: only the symptom is asked.
    [question] = customer.say("洗碗机不出水，每次洗碗时都这样，重启过，型号WQP12-J7")
    assert question == wording.GREETING + PROMPTS["symptom"]
    assert customer.say("不进水") == [wording.ASK_PHONE]
    assert customer.say("王先生 12345") == [wording.BAD_PHONE]
    [summary] = customer.say("13812345678")
    assert "138****5678" in summary


@pytest.mark.parametrize(
    "answer", ["王先生 138 1234 5678", "王先生，+86 138-1234-5678", "138-1234-5678 王先生"]
)
def test_a_phone_written_spaced_or_dashed_is_taken_with_the_name(customer, answer):
    customer.say("洗碗机不出水，每次洗碗时都这样，重启过，型号WQP12-J7")
    assert customer.say("不进水") == [wording.ASK_PHONE]
    [summary] = customer.say(answer)
    assert "138****5678" in summary
    conversation = WechatConversation.objects.get()
    assert (conversation.customer_name, conversation.phone) == ("王先生", "+8613812345678")


def test_other_senders_and_system_events_are_not_stored(customer, wechat_api):
    wechat_api.add_text("接待人员的消息", origin=5)
    wechat_api.add_text("系统事件", origin=4)
    customer.notify()
    assert not WechatMessage.objects.exists()
    assert wechat_api.sent == []


def test_a_picture_is_kept_and_the_customer_asked_for_words(customer, wechat_api):
    before = len(wechat_api.sent)
    wechat_api.messages.append(
        {
            "msgid": "pic-1",
            "open_kfid": OPEN_KFID,
            "external_userid": CUSTOMER,
            "send_time": int(timezone.now().timestamp()),
            "origin": 3,
            "msgtype": "image",
            "image": {"media_id": "MEDIA"},
        }
    )
    customer.notify()
    assert WechatMessage.objects.get(msgid="pic-1").content == "[图片]"
    texts = [body["text"]["content"] for body in wechat_api.sent[before:]]
    assert texts == [wording.GREETING + wording.TEXT_ONLY]


def test_an_agent_reply_inside_the_window_goes_by_wechat(customer, client, manager, wechat_api):
    confirm_a_complaint(customer)
    customer.say("1")
    ticket = Ticket.objects.get()
    client.force_login(manager)
    sent = len(wechat_api.sent)

    with customer.capture(execute=True):
        response = client.post(
            f"/tickets/{ticket.number}/wechat/reply/", {"text": "明天上午工程师上门"}, follow=True
        )

    assert response.status_code == 200
    assert [body["text"]["content"] for body in wechat_api.sent[sent:]] == ["明天上午工程师上门"]
    line = WechatMessage.objects.get(content="明天上午工程师上门")
    assert (line.status, line.author, line.ticket) == ("sent", manager, ticket)
    assert not CustomerMessage.objects.filter(kind=MessageKind.REPLY).exists()
    page = response.content.decode()
    assert "明天上午工程师上门" in page and "完全不进水，显示E1" in page
    assert TicketEvent.objects.filter(ticket=ticket, payload__kind="wechat_reply").exists()


def test_an_agent_reply_after_the_window_goes_by_sms_and_the_agent_is_told_why(
    customer, client, manager, wechat_api, caplog
):
    confirm_a_complaint(customer)
    customer.say("1")
    ticket = Ticket.objects.get()
    # The customer's last message was 49 hours ago: WeChat would refuse send_msg.
    WechatConversation.objects.update(last_customer_message_at=timezone.now() - timedelta(hours=49))
    client.force_login(manager)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    sent = len(wechat_api.sent)

    with customer.capture(execute=True), caplog.at_level("INFO", logger="feedback.outbox"):
        response = client.post(
            f"/tickets/{ticket.number}/wechat/reply/", {"text": "请问您方便哪天上门？"}, follow=True
        )

    assert len(wechat_api.sent) == sent
    sms = CustomerMessage.objects.get(ticket=ticket, kind=MessageKind.REPLY)
    assert (sms.status, sms.backend, sms.phone) == ("sent", "log", "+8613812345678")
    assert sms.body == f"您好，关于您的工单{ticket.number}：请问您方便哪天上门？"
    assert any(sms.body in record.getMessage() for record in caplog.records)
    [told] = get_messages(response.wsgi_request) or list(response.context["messages"])
    assert told.level == messages.WARNING
    assert "more than 48 hours have passed since the customer's last message" in told.message
    assert "the reply goes by SMS" in told.message


def test_the_sixth_message_since_the_customer_wrote_is_not_sent(customer, wechat_api):
    customer.say("你好")
    WechatConversation.objects.update(sent_since_customer_message=5)
    conversation = WechatConversation.objects.get()
    assert not conversation.window_open(timezone.now())
    # A new customer message reopens the window; our count starts again.
    assert customer.say("洗碗机不出水") == [PROMPTS["scene"]]
    assert WechatConversation.objects.get().sent_since_customer_message == 1


def test_a_reply_that_does_not_fit_the_window_is_recorded_as_not_sent(customer, wechat_api):
    from intake.wechat.delivery import wechat_reply_queue

    customer.say("你好")
    conversation = WechatConversation.objects.get()
    later = conversation.last_customer_message_at + timedelta(hours=48, seconds=1)
    line = wechat_reply_queue(conversation=conversation, text="还在吗？", now=later)
    assert line.status == WechatMessage.Status.NOT_SENT
    assert "window" in line.error


def test_agents_without_the_right_cannot_reply(customer, client, product_manager):
    confirm_a_complaint(customer)
    customer.say("1")
    ticket = Ticket.objects.get()
    client.force_login(product_manager)
    response = client.post(f"/tickets/{ticket.number}/wechat/reply/", {"text": "hi"})
    assert response.status_code == 404  # a product manager cannot even see this ticket
    assert not WechatMessage.objects.filter(content="hi").exists()


def test_a_message_after_the_ticket_is_closed_starts_a_new_complaint(customer):
    confirm_a_complaint(customer)
    customer.say("1")
    Ticket.objects.update(status=Ticket.Status.CLOSED)
    [question] = customer.say("冰箱不制冷了", msgid="second-complaint")
    assert question.startswith(wording.GREETING)
    conversation = WechatConversation.objects.get()
    assert conversation.state == WechatConversation.State.COLLECTING
    assert conversation.first_msgid == "second-complaint"
    # The customer is known: name and phone are not asked again.
    assert conversation.phone == "+8613812345678"
