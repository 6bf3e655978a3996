"""Driving the channel as WeChat does: a customer message, then the callback announcing it."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import uuid4

from tests.intake.wechat.fake_api import FakeWechatApi
from tests.intake.wechat.wechat_server import WechatServer, kf_event_xml

URL = "/intake/wechat/callback/"


def post(client, wechat: WechatServer, inner: str, **query):
    """POST as WeChat does: the encrypted envelope, signed over its Encrypt."""
    encrypted = wechat.seal(inner)
    return client.post(
        f"{URL}?{urlencode({**wechat.query(encrypted), **query})}",
        data=wechat.envelope(encrypted),
        content_type="text/xml",
    )


class Customer:
    """A WeChat customer writing to the account; `say` returns what we sent back."""

    def __init__(self, *, client, wechat: WechatServer, api: FakeWechatApi, capture) -> None:
        self.client, self.wechat, self.api, self.capture = client, wechat, api, capture

    def notify(self) -> None:
        """WeChat's kf_msg_or_event callback, each with its own sync token."""
        with self.capture(execute=True):
            response = post(self.client, self.wechat, kf_event_xml(token=uuid4().hex))
        assert response.status_code == 200
        assert response.content == b"success"

    def say(self, text: str, **kwargs) -> list[str]:
        before = len(self.api.sent)
        self.api.add_text(text, **kwargs)
        self.notify()
        return [body["text"]["content"] for body in self.api.sent[before:]]
