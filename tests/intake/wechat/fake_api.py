"""A local stand-in for WeChat Work's API (qyapi.weixin.qq.com), written from its documents.

It speaks the real JSON protocol on 127.0.0.1: GET /cgi-bin/gettoken issues access tokens;
POST /cgi-bin/kf/sync_msg pages through the account's messages with an opaque cursor,
has_more and msg_list; POST /cgi-bin/kf/send_msg records what it was asked to send. A test
scripts errcodes per call, empty has_more pages, or expires every token.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

OPEN_KFID = "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJTw"
CUSTOMER = "wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw"
MSGID_RE = re.compile(r"^[0-9a-zA-Z_-]{1,32}$")


class FakeWechatApi:
    def __init__(self, *, corp_id: str, secret: str) -> None:
        self.corp_id, self.secret = corp_id, secret
        self.url = ""
        self.tokens: set[str] = set()
        self.token_requests = 0
        # Every message the account has, in order, whatever its origin.
        self.messages: list[dict[str, Any]] = []
        self.page_size = 1000
        # The next N sync_msg answers have has_more=1 and an empty msg_list.
        self.empty_pages = 0
        # Per call, what the next requests get: an errcode, or None for a normal answer.
        self.errors: dict[str, list[int | None]] = {
            "gettoken": [],
            "kf/sync_msg": [],
            "kf/send_msg": [],
        }
        self.sync_requests: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self._cursors: dict[str, int] = {}
        self._lock = threading.Lock()

    # --- what a test does ------------------------------------------------------------

    def add_text(
        self,
        content: str,
        *,
        external_userid: str = CUSTOMER,
        msgid: str | None = None,
        send_time: int | None = None,
        origin: int = 3,
    ) -> str:
        msgid = msgid or uuid.uuid4().hex[:24]
        with self._lock:
            self.messages.append(
                {
                    "msgid": msgid,
                    "open_kfid": OPEN_KFID,
                    "external_userid": external_userid,
                    "send_time": send_time or int(time.time()),
                    "origin": origin,
                    "msgtype": "text",
                    "text": {"content": content},
                }
            )
        return msgid

    def fail_next(self, call: str, *errcodes: int | None) -> None:
        with self._lock:
            self.errors[call].extend(errcodes)

    def expire_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def sent_texts(self, touser: str = CUSTOMER) -> list[str]:
        return [body["text"]["content"] for body in self.sent if body["touser"] == touser]

    # --- the protocol ----------------------------------------------------------------

    def handle(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        with self._lock:
            if method == "GET" and parts.path == "/cgi-bin/gettoken":
                return self._gettoken(query)
            if method != "POST" or not parts.path.startswith("/cgi-bin/kf/"):
                return {"errcode": 404, "errmsg": "not found"}
            call = parts.path.removeprefix("/cgi-bin/")
            if query.get("access_token") not in self.tokens:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return {"errcode": 47001, "errmsg": "data format error"}
            if call == "kf/sync_msg":
                self.sync_requests.append(payload)  # failed ones too: which cursor was asked
            if self.errors.get(call) and (code := self.errors[call].pop(0)) is not None:
                return {"errcode": code, "errmsg": "scripted"}
            if call == "kf/sync_msg":
                return self._sync_msg(payload)
            if call == "kf/send_msg":
                return self._send_msg(payload)
            return {"errcode": 404, "errmsg": "not found"}

    def _gettoken(self, query: dict[str, str]) -> dict[str, Any]:
        self.token_requests += 1
        if self.errors["gettoken"]:
            return {"errcode": self.errors["gettoken"].pop(0), "errmsg": "scripted"}
        if query.get("corpid") != self.corp_id:
            return {"errcode": 40013, "errmsg": "invalid corpid"}
        if query.get("corpsecret") != self.secret:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        token = f"tok-{uuid.uuid4().hex}"
        self.tokens.add(token)
        return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def _new_cursor(self, position: int) -> str:
        cursor = f"{uuid.uuid4().hex[:16]}"
        self._cursors[cursor] = position
        return cursor

    def _sync_msg(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("open_kfid") not in (None, OPEN_KFID):
            return {"errcode": 95000, "errmsg": "invalid open_kfid"}
        cursor = payload.get("cursor") or ""
        if cursor and cursor not in self._cursors:
            return {"errcode": 95000, "errmsg": "invalid cursor"}
        position = self._cursors.get(cursor, 0)
        if self.empty_pages:
            self.empty_pages -= 1
            return {
                "errcode": 0,
                "errmsg": "ok",
                "next_cursor": self._new_cursor(position),
                "has_more": 1,
                "msg_list": [],
            }
        limit = min(int(payload.get("limit") or 1000), 1000, self.page_size)
        page = self.messages[position : position + limit]
        end = position + len(page)
        return {
            "errcode": 0,
            "errmsg": "ok",
            "next_cursor": self._new_cursor(end),
            "has_more": 1 if end < len(self.messages) else 0,
            "msg_list": page,
        }

    def _send_msg(self, payload: dict[str, Any]) -> dict[str, Any]:
        text = payload.get("text") or {}
        if not payload.get("touser") or payload.get("open_kfid") != OPEN_KFID:
            return {"errcode": 40003, "errmsg": "invalid touser or open_kfid"}
        if payload.get("msgtype") != "text" or not text.get("content"):
            return {"errcode": 44004, "errmsg": "empty content"}
        if len(text["content"].encode()) > 2048:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        msgid = payload.get("msgid") or uuid.uuid4().hex
        if not MSGID_RE.match(msgid):
            return {"errcode": 95001, "errmsg": "invalid msgid"}
        self.sent.append(payload)
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


@contextmanager
def serving(api: FakeWechatApi) -> Iterator[FakeWechatApi]:
    """Serve the fake on 127.0.0.1 (a free port) in a thread for the block's duration."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            answer = api.handle(method, self.path, self.rfile.read(length))
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(200)  # WeChat answers errors as 200 with an errcode
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
