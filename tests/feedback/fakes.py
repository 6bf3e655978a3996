"""Local stand-ins for the SMS providers, speaking their HTTP APIs on 127.0.0.1.

Each verifies the request's signature the way the provider does, from what arrived on the
wire and the shared secret, with its own implementation (not the backend's helpers), and
answers like the provider: success, the error codes a test scripts, or a signature failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit


class FakeProvider:
    """A provider's recorded requests and the answers it will give next."""

    def __init__(self, key_id: str, secret: str):
        self.key_id, self.secret = key_id, secret
        self.requests: list[dict[str, Any]] = []
        # Codes to answer with, one per request, before going back to success.
        self.script: list[str] = []
        self.url = ""
        self._lock = threading.Lock()

    def next_code(self) -> str | None:
        with self._lock:
            return self.script.pop(0) if self.script else None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes):
        raise NotImplementedError


class FakeAliyun(FakeProvider):
    """dysmsapi SendSms: RPC parameters in the query or a form body, HMAC-SHA1 signature."""

    def __init__(self, key_id: str, secret: str):
        super().__init__(key_id, secret)
        self.nonces: set[str] = set()

    @staticmethod
    def _encode(text: str) -> str:
        # The spec's rule: UTF-8 percent-encoding where only A-Za-z0-9-_.~ stay literal.
        return quote(text.encode(), safe="-_.~")

    def _expected_signature(self, method: str, params: dict[str, str]) -> str:
        pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
        query = "&".join(self._encode(k) + "=" + self._encode(v) for k, v in pairs)
        text = "&".join([method, self._encode("/"), self._encode(query)])
        mac = hmac.new((self.secret + "&").encode(), text.encode(), hashlib.sha1)
        return base64.b64encode(mac.digest()).decode()

    def handle(self, method, path, headers, body):
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        if method == "POST":
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        request_id = str(uuid.uuid4()).upper()
        self.requests.append({"params": params, "verified": False})
        if params.get("AccessKeyId") != self.key_id:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "RequestId": request_id}
        if not hmac.compare_digest(
            params.get("Signature", ""), self._expected_signature(method, params)
        ):
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
                "RequestId": request_id,
            }
        if params.get("SignatureNonce") in self.nonces:
            return 400, {"Code": "SignatureNonceUsed", "RequestId": request_id}
        self.nonces.add(params["SignatureNonce"])
        self.requests[-1]["verified"] = True
        missing = [
            name
            for name in ("Action", "Version", "PhoneNumbers", "SignName", "TemplateCode")
            if not params.get(name)
        ]
        if missing or params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return 400, {
                "Code": "MissingParameter",
                "Message": str(missing),
                "RequestId": request_id,
            }
        code = self.next_code()
        if code:
            return 200, {"Code": code, "Message": "scripted", "RequestId": request_id}
        biz_id = f"{len(self.requests):06d}^0"
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}


class FakeTencent(FakeProvider):
    """SendSms 2021-01-11: a JSON POST signed with TC3-HMAC-SHA256 in the Authorization header."""

    def _expected_signature(
        self, headers: dict[str, str], signed: list[str], body: bytes, timestamp: int, date: str
    ) -> str:
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        body_hash = hashlib.sha256(body).hexdigest()
        canonical = f"POST\n/\n\n{canonical_headers}\n{';'.join(signed)}\n{body_hash}"
        string_to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
            + hashlib.sha256(canonical.encode()).hexdigest()
        )

        def sign(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = sign(sign(sign(("TC3" + self.secret).encode(), date), "sms"), "tc3_request")
        return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def _error(self, code: str, message: str = "") -> tuple[int, dict]:
        error = {"Code": code, "Message": message or code}
        return 200, {"Response": {"Error": error, "RequestId": str(uuid.uuid4())}}

    def handle(self, method, path, headers, body):
        self.requests.append({"headers": headers, "body": None, "verified": False})
        try:
            algorithm, rest = headers["authorization"].split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            key_id, date, service, terminator = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            timestamp = int(headers["x-tc-timestamp"])
        except (KeyError, ValueError):
            return self._error("AuthFailure.SignatureFailure", "malformed Authorization")
        if key_id != self.key_id:
            return self._error("AuthFailure.SecretIdNotFound")
        well_formed = (
            algorithm == "TC3-HMAC-SHA256"
            and (service, terminator) == ("sms", "tc3_request")
            and date == datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
            and {"content-type", "host"} <= set(signed)
            and all(name in headers for name in signed)
        )
        if not well_formed or not hmac.compare_digest(
            fields["Signature"], self._expected_signature(headers, signed, body, timestamp, date)
        ):
            return self._error("AuthFailure.SignatureFailure", "signature mismatch")
        self.requests[-1]["verified"] = True
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return self._error("InvalidAction")
        payload = json.loads(body)
        self.requests[-1]["body"] = payload
        code = self.next_code()
        if code and code.startswith("error:"):
            return self._error(code.removeprefix("error:"))
        phone = payload["PhoneNumberSet"][0]
        status = {
            "SerialNo": f"5000:{len(self.requests):020d}",
            "PhoneNumber": phone,
            "Fee": 1,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": code or "Ok",
            "Message": "scripted" if code else "send success",
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": str(uuid.uuid4())}}


@contextmanager
def serving(provider: FakeProvider) -> Iterator[FakeProvider]:
    """Serve the provider on 127.0.0.1 (a free port) in a thread for the block's duration."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer = provider.handle("POST", self.path, headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
