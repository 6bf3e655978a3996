"""A small client for WeChat Work's customer-service API: gettoken, kf/sync_msg, kf/send_msg.

The access_token is shared by every process through the cache (Redis) until shortly before
WeChat says it expires; an answer of 40014 (invalid) or 42001 (expired) fetches a new one and
repeats the call once. Every other errcode raises WechatApiError naming the call and the code.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

TOKEN_REJECTED = frozenset({40014, 42001})
# Refresh this long before WeChat's expires_in runs out, so no call carries a dying token.
TOKEN_MARGIN_SECONDS = 300
SYNC_PAGE_LIMIT = 1000


class WechatApiError(Exception):
    """WeChat answered an errcode other than 0, or could not be reached (errcode None)."""

    def __init__(self, call: str, errcode: int | None, errmsg: str) -> None:
        self.call, self.errcode, self.errmsg = call, errcode, errmsg
        code = "unreachable" if errcode is None else f"errcode {errcode}"
        super().__init__(f"WeChat {call}: {code}: {errmsg}")


@dataclass(frozen=True)
class SyncPage:
    next_cursor: str
    has_more: bool
    msg_list: list[dict[str, Any]]


class WechatClient:
    """Reads the credentials (admin's over the environment's) and base URL when built."""

    def __init__(self) -> None:
        from intake.wechat.selectors import wechat_credentials

        credentials = wechat_credentials()
        self.base = settings.WECHAT_WORK_API_BASE.rstrip("/")
        self.corp_id = credentials.corp_id
        self.secret = credentials.secret
        self.timeout = settings.WECHAT_WORK_HTTP_TIMEOUT_SECONDS
        # One cache entry per (host, corp, secret): a new secret never gets the old token.
        digest = hashlib.sha256(f"{self.base}|{self.corp_id}|{self.secret}".encode()).hexdigest()
        self.cache_key = f"intake.wechat.access_token:{digest[:24]}"

    def access_token(self, *, refresh: bool = False) -> str:
        if not refresh and (token := cache.get(self.cache_key)):
            return token
        data = self._request(
            "gettoken",
            "GET",
            "/cgi-bin/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )
        _raise_for_errcode("gettoken", data)
        token = str(data.get("access_token") or "")
        if not token:
            raise WechatApiError("gettoken", None, "no access_token in the answer")
        expires_in = _int(data.get("expires_in"), default=7200)
        cache.set(self.cache_key, token, timeout=max(expires_in - TOKEN_MARGIN_SECONDS, 60))
        return token

    def sync_msg(self, *, open_kfid: str, cursor: str = "", token: str = "") -> SyncPage:
        """One page of messages after `cursor`; has_more may be true with an empty page."""
        payload: dict[str, Any] = {"open_kfid": open_kfid, "limit": SYNC_PAGE_LIMIT}
        if cursor:
            payload["cursor"] = cursor
        if token:  # the callback's token; without it WeChat applies a strict rate limit
            payload["token"] = token
        data = self._call("kf/sync_msg", payload)
        msg_list = data.get("msg_list") or []
        if not isinstance(msg_list, list):
            raise WechatApiError("kf/sync_msg", None, "msg_list is not a list")
        return SyncPage(
            next_cursor=str(data.get("next_cursor") or ""),
            has_more=_int(data.get("has_more"), default=0) == 1,
            msg_list=[item for item in msg_list if isinstance(item, dict)],
        )

    def send_msg(self, *, touser: str, open_kfid: str, msgid: str, content: str) -> str:
        """Send a text; return WeChat's msgid (ours, echoed, since we pass one)."""
        data = self._call(
            "kf/send_msg",
            {
                "touser": touser,
                "open_kfid": open_kfid,
                "msgid": msgid,
                "msgtype": "text",
                "text": {"content": content},
            },
        )
        return str(data.get("msgid") or msgid)

    def _call(self, call: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with the cached token; a rejected token is replaced and the call made again."""
        for refresh in (False, True):
            token = self.access_token(refresh=refresh)
            data = self._request(
                call, "POST", f"/cgi-bin/{call}", params={"access_token": token}, json=payload
            )
            if _int(data.get("errcode"), default=0) not in TOKEN_REJECTED:
                break
            logger.info("WeChat %s: access_token rejected, fetching a new one", call)
        _raise_for_errcode(call, data)
        return data

    def _request(self, call: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = requests.request(
                method, f"{self.base}{path}", timeout=self.timeout, **kwargs
            )
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise WechatApiError(call, None, str(exc)[:300]) from exc
        if not isinstance(data, dict):
            raise WechatApiError(call, None, "the answer is not a JSON object")
        return data


def _raise_for_errcode(call: str, data: dict[str, Any]) -> None:
    errcode = _int(data.get("errcode"), default=0)
    if errcode != 0:
        raise WechatApiError(call, errcode, str(data.get("errmsg") or ""))


def _int(value: Any, *, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
