"""Attachments at intake: check what an upload really is, then store it on the ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from tickets.models import Attachment, Ticket, TicketEvent, User
from tickets.services import ticket_event_write

# Pillow's name for the format → (content type, file suffix). Nothing else is accepted.
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
PDF_MAGIC = b"%PDF-"
MAX_FILES = 6


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    suffix: str


def attachment_validate(upload: UploadedFile) -> CheckedUpload:
    """Return the type the bytes really are; raise ValidationError naming the file.

    The extension and the browser's content type are the sender's claims and are ignored:
    a PDF must start with %PDF-, an image must parse as JPEG, PNG or WebP in Pillow.
    """
    name = upload.name or "?"
    limit_mb = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(limit)s MB."),
            code="too_large",
            params={"name": name, "limit": limit_mb},
        )
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head == PDF_MAGIC:
        return CheckedUpload(content_type="application/pdf", suffix="pdf")
    try:
        with Image.open(upload) as image:
            image_format = image.format
            image.verify()
    except Exception:  # Pillow raises many types for bytes that are not an image.
        image_format = None
    finally:
        upload.seek(0)
    if image_format not in IMAGE_TYPES:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP image or a PDF."),
            code="invalid_type",
            params={"name": name},
        )
    content_type, suffix = IMAGE_TYPES[image_format]
    return CheckedUpload(content_type=content_type, suffix=suffix)


@transaction.atomic
def attachment_add(
    *, ticket: Ticket, upload: UploadedFile, actor: User | None, now: datetime
) -> Attachment:
    """Check the upload, store it through Django's storage and write the timeline event."""
    checked = attachment_validate(upload)
    attachment = Attachment(
        ticket=ticket,
        original_name=(upload.name or "")[:255],
        content_type=checked.content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    # The stored name takes the real type's suffix, not the one the sender chose.
    attachment.file.save(f"upload.{checked.suffix}", upload, save=False)
    try:
        attachment.save()
        ticket_event_write(
            ticket=ticket,
            verb=TicketEvent.Verb.ATTACHMENT_ADDED,
            actor=actor,
            at=now,
            payload={
                "attachment": attachment.pk,
                "content_type": checked.content_type,
                "size": attachment.size,
            },
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def attachments_add(
    *, ticket: Ticket, uploads: list[UploadedFile], actor: User | None, now: datetime
) -> list[Attachment]:
    """Store several uploads: all or none, files included (storage is not transactional)."""
    stored: list[Attachment] = []
    try:
        for upload in uploads:
            stored.append(attachment_add(ticket=ticket, upload=upload, actor=actor, now=now))
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored
