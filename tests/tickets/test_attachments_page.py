import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from intake.attachments import attachment_add
from tests.tickets.factories import TicketFactory


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("铭牌.png", buffer.getvalue(), content_type="image/png")


def test_attachment_is_served_only_to_who_may_see_the_ticket(
    client, store_a, store_clerk, store_clerk_other_store, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ticket = TicketFactory(channel="store", store=store_a, confirmed_via="store")
    attachment = attachment_add(ticket=ticket, upload=_png(), actor=store_clerk, now=timezone.now())
    url = reverse("tickets:attachment", args=[ticket.number, attachment.pk])

    client.force_login(store_clerk)
    page = client.get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    response = client.get(url)
    assert url in page
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "铭牌" not in response["Content-Disposition"]

    client.force_login(store_clerk_other_store)
    assert client.get(url).status_code == 404
