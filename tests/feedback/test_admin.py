from django.urls import reverse

from feedback.admin import MessageTemplateForm
from feedback.models import MessageKind
from feedback.services import message_queue
from tests.feedback.conftest import NOW


def test_admin_lists_messages_with_filters_and_only_a_masked_phone(
    client, admin_user, quiet_ticket
):
    message = message_queue(
        ticket=quiet_ticket(phone="13912345678"), kind=MessageKind.SURVEY, now=NOW
    )
    client.force_login(admin_user)

    listing = client.get(
        reverse("admin:feedback_customermessage_changelist"),
        {"status__exact": "queued", "kind__exact": "survey", "backend__exact": "log"},
    )
    detail = client.get(reverse("admin:feedback_customermessage_change", args=[message.pk]))

    for response in (listing, detail):
        assert response.status_code == 200
        page = response.content.decode()
        assert "139****5678" in page and "13912345678" not in page
    assert 'name="_save"' not in detail.content.decode()  # read-only


def test_an_edited_wording_may_use_only_the_defaults_placeholders(db):
    good = MessageTemplateForm(data={"key": "survey", "body": "工单{number}已完成，请评分。"})
    bad = MessageTemplateForm(data={"key": "survey", "body": "{customer_name}您好"})
    assert good.is_valid(), good.errors
    assert not bad.is_valid()
    assert "customer_name" in str(bad.errors["body"])
