"""FakeWeChat: plays WeChat's server against our callback app, and a local WeCom robot stub.

It builds a message's XML, signs the URL, in safe mode encrypts the body and adds
``encrypt_type=aes&msg_signature``, POSTs it through aiohttp's test client, then checks the
reply's MsgSignature and decrypts it. The client side uses wechatpy directly, so it is an
independent implementation of the scheme from the app's adapter (Tencent's published vectors
anchor both, see test_wechat_crypto.py). No Tencent host is ever contacted.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestClient
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

TOKEN = "fanzhaTestToken"
APP_ID = "wx0123456789abcdef"
ACCOUNT = "gh_fanzha_test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
OLD_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
_ids = itertools.count(7_000_000_000_000_000_000)


def forbid_tencent_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any lookup of a Tencent host fail loudly, so no test can reach one by accident."""
    import socket

    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.endswith(("qq.com", "weixin.qq.com", "wechat.com")):
            raise AssertionError(f"a test tried to reach {name}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


def sign(*parts: str) -> str:
    """WeChat's signature with the test Token."""
    return hashlib.sha1("".join(sorted([TOKEN, *parts])).encode()).hexdigest()


def cdata(value: str) -> str:
    return "<![CDATA[" + value + "]]>"


def message_xml(msg_type: str, user: str, msg_id: str | None = None, create_time: int | None = None,
                **fields: str) -> str:
    """A follower's message as WeChat sends it (MsgId omitted for events)."""
    parts = [f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>", f"<FromUserName>{cdata(user)}</FromUserName>",
             f"<CreateTime>{create_time or int(time.time())}</CreateTime>", f"<MsgType>{cdata(msg_type)}</MsgType>"]
    parts += [f"<{k}>{cdata(v)}</{k}>" for k, v in fields.items()]
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id or next(_ids)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Delivery:
    """WeChat's view of one callback: HTTP status, the reply text ("" for success), raw body."""

    status: int
    text: str
    raw: bytes
    success: bool = False  # the body was the bare "success" (nothing to say / not ready yet)


@dataclass
class FakeWeChat:
    """Signs, encrypts and posts messages to the app; checks and decrypts its replies."""

    client: TestClient
    path: str = "/wechat"
    safe: bool = True
    aes_key: str = AES_KEY
    app_id: str = APP_ID
    _nonces: Any = field(default_factory=lambda: itertools.count(100000))

    def query(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(next(self._nonces))
        return {"signature": sign(timestamp, nonce), "timestamp": timestamp, "nonce": nonce, "openid": "ignored"}

    async def verify_url(self, echostr: str, **query: str) -> tuple[int, bytes]:
        params = {**self.query(), "echostr": echostr, **query}
        resp = await self.client.get(self.path, params=params)
        return resp.status, await resp.read()

    def envelope(self, xml: str, timestamp: str, nonce: str, aes_key: str | None = None,
                 app_id: str | None = None) -> tuple[str, str]:
        """(body, msg_signature) of `xml` encrypted as WeChat would."""
        crypto = WeChatCrypto(TOKEN, aes_key or self.aes_key, app_id or self.app_id)
        env = xmltodict.parse(crypto.encrypt_message(xml, nonce, timestamp))["xml"]
        body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(env['Encrypt'])}</Encrypt></xml>"
        return body, env["MsgSignature"]

    async def post_raw(self, body: bytes | str, params: dict[str, str]) -> web.Response:
        data = body.encode("utf-8") if isinstance(body, str) else body
        return await self.client.post(self.path, params=params, data=data,
                                      headers={"Content-Type": "text/xml"})

    async def post(self, xml: str, *, aes_key: str | None = None, app_id: str | None = None,
                   safe: bool | None = None) -> Delivery:
        """POST `xml` (encrypted in safe mode) and return the decrypted reply."""
        safe = self.safe if safe is None else safe
        params = self.query()
        body = xml
        if safe:
            body, msg_signature = self.envelope(xml, params["timestamp"], params["nonce"], aes_key, app_id)
            params.update(encrypt_type="aes", msg_signature=msg_signature)
        resp = await self.post_raw(body, params)
        raw = await resp.read()
        return self.read_reply(resp.status, raw, params, aes_key or self.aes_key, safe)

    def read_reply(self, status: int, raw: bytes, params: dict[str, str], aes_key: str, safe: bool) -> Delivery:
        if status != 200:
            return Delivery(status, "", raw)
        if raw in (b"success", b""):
            return Delivery(status, "", raw, success=True)
        xml = raw.decode("utf-8")
        if safe:
            env = xmltodict.parse(xml)["xml"]
            # The reply must reuse the request's timestamp and nonce, and be signed over them.
            assert env["TimeStamp"] == params["timestamp"] and env["Nonce"] == params["nonce"]
            xml = WeChatCrypto(TOKEN, aes_key, self.app_id).decrypt_message(
                xml, env["MsgSignature"], params["timestamp"], params["nonce"])
        reply = parse_message(xml)
        assert reply.type == "text" and reply.source == ACCOUNT
        return Delivery(status, reply.content, raw)

    async def say(self, user: str, text: str, **kw: Any) -> Delivery:
        """A text message from `user`."""
        return await self.post(message_xml("text", user, Content=text), **kw)


class RobotStub:
    """A local 企业微信 webhook: records each request; answers from a script of errcodes."""

    def __init__(self, clock: Any = None):
        self.requests: list[dict[str, Any]] = []
        self.script: list[int] = []  # errcodes to answer, in order; then 0
        self.invalid_keys: set[str] = set()
        self.clock = clock

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self._send)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        payload = await request.json()
        at = self.clock.monotonic() if self.clock is not None else time.monotonic()
        code = 93000 if key in self.invalid_keys else (self.script.pop(0) if self.script else 0)
        self.requests.append({"key": key, "payload": payload, "at": at, "errcode": code})
        return web.json_response({"errcode": code, "errmsg": "ok" if code == 0 else "error"})

    def delivered(self, key: str | None = None) -> list[str]:
        """Contents accepted (errcode 0), optionally for one key."""
        return [r["payload"]["text"]["content"] for r in self.requests
                if r["errcode"] == 0 and (key is None or r["key"] == key)]


# --- the app under test, over the REAL dialogue ------------------------------------------------

@functools.lru_cache(maxsize=1)
def case_library() -> Any:
    """The shipped case library, loaded once per test session."""
    from knowledge.cases import load_cases

    return load_cases(require_complete=False)


def make_service(brain: Any, db_path: Any) -> Any:
    """A ChatService over the real dialogue and a fresh SQLite file, with 「今日预警」 wired in."""
    from bot.brain import BrainHolder
    from bot.dialogue import Dialogue
    from bot.service import ChatService
    from bot.wechat.forward import TodaysWarning
    from storage.db import open_db

    db = open_db(db_path)
    dialogue = Dialogue(BrainHolder(brain), todays_case=TodaysWarning(db, case_library()))
    return ChatService(dialogue, db)


class CountingAnswerer:
    """Wraps the real answerer: records every call and can hold calls until `gate` is set."""

    def __init__(self, inner: Any, gate: Any = None):
        import asyncio

        self.inner = inner
        self.gate = gate
        self.calls: list[str] = []
        self.entered = asyncio.Event()  # a call has started
        self.finished = asyncio.Event()  # a call has its answer

    async def __call__(self, msg: Any) -> Any:
        self.calls.append(msg.dedupe_key)
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        answer = await self.inner(msg)
        self.finished.set()
        return answer

    def close(self) -> None:
        self.inner.close()
