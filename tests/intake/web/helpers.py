import re
from uuid import uuid4

from django.urls import reverse

FORM_URL = "/service/"


def form_data(**change) -> dict:
    return {
        "customer_name": "王芳",
        "phone": "13812345678",
        "product_model": "XQG100-B14",
        "purchase_date": "2026-03-01",
        "description": "洗衣机脱水时噪音很大，像有东西在撞",
        "scene": "脱水时",
        "symptom": "异响",
        "tried": "重新放平过",
        "frequency": "每次",
        "customer_urgency": "normal",
        "submission_id": str(uuid4()),
        "website": "",
        **change,
    }


def payload_of(response) -> str:
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    assert match, "the preview carries the signed form data"
    return match.group(1)


def submit(client, **change):
    """Preview and confirm, as a customer does; return the confirming response."""
    preview = client.post(reverse("intake:web_form"), form_data(**change))
    assert preview.status_code == 200, preview.content.decode()[:2000]
    return client.post(
        reverse("intake:web_form"), {"payload": payload_of(preview), "action": "confirm"}
    )
