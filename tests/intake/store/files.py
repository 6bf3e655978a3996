"""Small real files for upload tests, made on the spot."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image(name: str = "label.jpg", image_format: str = "JPEG", content_type: str = "image/jpeg"):
    buffer = BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def pdf(name: str = "receipt.pdf", size: int = 0):
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body + b"0" * max(size - len(body), 0), "application/pdf")
