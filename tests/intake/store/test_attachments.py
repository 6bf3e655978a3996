"""Photos and PDFs on the store form: the bytes decide the type, and all or nothing is stored."""

from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from intake import attachments
from tests.intake.store.files import image, pdf
from tests.intake.store.test_store_form import store_data
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
URL = "/store/new/"
TEN_MB = 10 * 1024 * 1024


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


@pytest.fixture
def clerk_client(client, store_clerk):
    client.force_login(store_clerk)
    return client


def test_images_and_a_pdf_are_stored_with_their_real_types(clerk_client, store_clerk, media_root):
    files = [
        image("label.jpg"),
        image("fault.png", "PNG", "image/png"),
        image("fault.webp", "WEBP", "image/webp"),
        pdf("receipt.pdf"),
    ]

    response = clerk_client.post(URL, store_data(files=files))

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    stored = {a.original_name: a for a in ticket.attachments.all()}
    assert {name: a.content_type for name, a in stored.items()} == {
        "label.jpg": "image/jpeg",
        "fault.png": "image/png",
        "fault.webp": "image/webp",
        "receipt.pdf": "application/pdf",
    }
    assert all(a.uploaded_by == store_clerk for a in stored.values())
    assert stored["receipt.pdf"].file.name.endswith(".pdf")
    assert len(stored_files(media_root)) == 4
    events = TicketEvent.objects.filter(ticket=ticket, verb=TicketEvent.Verb.ATTACHMENT_ADDED)
    assert events.count() == 4
    assert all(e.actor == store_clerk for e in events)


def test_a_png_named_jpg_is_stored_as_the_png_it_is(clerk_client):
    clerk_client.post(URL, store_data(files=[image("photo.jpg", "PNG", "image/jpeg")]))

    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")


def test_a_jpg_that_is_really_text_is_refused_by_name_and_nothing_is_stored(
    clerk_client, media_root
):
    fake = SimpleUploadedFile("fault.jpg", b"just some text, not a photo", "image/jpeg")

    response = clerk_client.post(URL, store_data(files=[image("label.jpg"), fake]))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["files"]
    assert "fault.jpg" in errors["files"][0]
    assert not Ticket.objects.exists()
    assert stored_files(media_root) == []


def test_an_attachment_over_10_mb_is_refused_by_name(clerk_client, media_root):
    response = clerk_client.post(URL, store_data(files=[pdf("scan.pdf", size=TEN_MB + 1)]))

    assert response.status_code == 400
    assert "scan.pdf" in response.context["form"].errors["files"][0]
    assert not Ticket.objects.exists()
    assert stored_files(media_root) == []


def test_exactly_10_mb_is_fine(clerk_client):
    response = clerk_client.post(URL, store_data(files=[pdf("scan.pdf", size=TEN_MB)]))

    assert response.status_code == 302
    assert Attachment.objects.get().size == TEN_MB


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("report.docx", b"PK\x03\x04 word", "application/pdf"),
        SimpleUploadedFile("empty.png", b"", "image/png"),
        SimpleUploadedFile("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        SimpleUploadedFile("half.png", image("x.png", "PNG").read()[:40], "image/png"),
    ],
    ids=["docx-claiming-pdf", "empty", "gif", "truncated-png"],
)
def test_anything_but_a_jpeg_png_webp_or_pdf_is_refused(clerk_client, upload):
    response = clerk_client.post(URL, store_data(files=[upload]))

    assert response.status_code == 400
    assert "files" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_at_most_six_files(clerk_client):
    files = [image(f"p{n}.jpg") for n in range(7)]

    response = clerk_client.post(URL, store_data(files=files))

    assert response.status_code == 400
    assert "files" in response.context["form"].errors


def test_a_repeated_post_does_not_attach_the_files_twice(clerk_client):
    data = store_data(submission_id=str(uuid4()))

    clerk_client.post(URL, {**data, "files": [image()]})
    clerk_client.post(URL, {**data, "files": [image()]})

    assert Ticket.objects.count() == 1
    assert Attachment.objects.count() == 1


def test_a_failure_while_storing_leaves_no_ticket_and_no_file(
    clerk_client, media_root, monkeypatch
):
    def broken_event(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(attachments, "ticket_event_write", broken_event)

    with pytest.raises(RuntimeError):
        clerk_client.post(URL, store_data(files=[image("a.jpg"), image("b.jpg")]))

    assert not Ticket.objects.exists()
    assert stored_files(media_root) == []
