"""The 公众号 callback as an aiohttp application.

GET  <path>?signature&timestamp&nonce&echostr      URL verification: echostr back, byte for byte
POST <path>?signature&timestamp&nonce[&encrypt_type=aes&msg_signature]   a message or event

Checks, in order, before anything reaches the dialogue:
  body larger than max_body_bytes → 413; wrong ``signature`` → 403; body not UTF-8, malformed
  XML, a DTD or entity → 400; in safe mode: wrong ``msg_signature`` → 403, ciphertext that opens
  with no key or names another AppID → 400; a plaintext POST to a safe-mode server (or an
  encrypted one to a plain-mode server) → 400.

Then the message is answered through the AnswerBook (WeChat's deadline and retries) and the
reply is encrypted with the request's own timestamp and nonce. Nothing of the resident's text
(or their OpenID) is logged: only the message type, how it was answered, status and latency.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web

from bot.config import WeChatSettings
from bot.wechat import texts
from bot.wechat.answers import Responder
from bot.wechat.crypto import DecryptError, MessageCipher, verify
from bot.wechat.dedupe import AnswerBook
from bot.wechat.messages import BadXml, Inbound, encrypted_reply, inbound, parse_fields, text_reply

log = logging.getLogger(__name__)

Answerer = Callable[[Inbound], Awaitable["str | None"]]
SUCCESS = "success"  # WeChat's "received, nothing to say": no error shown, no retry


@dataclass(frozen=True)
class CallbackSettings:
    """Everything the callback needs, secrets included (built from config + environment)."""

    token: str
    app_id: str = ""
    aes_keys: tuple[str, ...] = ()  # current EncodingAESKey first, then the previous one
    mode: str = "safe"
    path: str = "/wechat"
    deadline_seconds: float = 4.0
    max_body_bytes: int = 65536
    dedupe_seconds: float = 300.0
    dedupe_entries: int = 10000

    @classmethod
    def from_config(cls, wechat: WeChatSettings, token: str, aes_key: str = "",
                    previous_aes_key: str = "") -> "CallbackSettings":
        """Combine the [wechat] section with the secrets read from the environment."""
        return cls(token=token, app_id=wechat.app_id,
                   aes_keys=tuple(k for k in (aes_key, previous_aes_key) if k), mode=wechat.mode,
                   path=wechat.path, deadline_seconds=wechat.deadline_seconds,
                   max_body_bytes=wechat.max_body_bytes, dedupe_seconds=wechat.dedupe_seconds,
                   dedupe_entries=wechat.dedupe_entries)


class ThreadedAnswerer:
    """Runs the synchronous Responder on one worker thread.

    The event loop must stay free while the dialogue works, or the deadline could never fire;
    one thread is enough because the ChatService serialises its work under a lock anyway.
    """

    def __init__(self, responder: Responder):
        self.responder = responder
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="wechat-dialogue")

    async def __call__(self, msg: Inbound) -> str | None:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.responder.answer, msg)

    def close(self) -> None:
        """Let the worker finish its current message and stop."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Reject(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class WeChatCallback:
    """The request handlers, over one account's settings and an Answerer."""

    def __init__(self, settings: CallbackSettings, answer: Answerer,
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self.answer = answer
        self.clock = clock
        self.cipher = (MessageCipher(settings.token, settings.app_id, settings.aes_keys)
                       if settings.aes_keys else None)
        self.book: AnswerBook[str | None] = AnswerBook(settings.dedupe_seconds, settings.dedupe_entries)

    async def verify_url(self, request: web.Request) -> web.Response:
        """GET: WeChat checks that we hold the Token before it sends anything."""
        q = request.query
        if not verify(self.settings.token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")):
            log.warning("wechat: URL verification with a wrong signature (403)")
            return web.Response(status=403, text="forbidden")
        return web.Response(body=q.get("echostr", "").encode("utf-8"), content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        """POST: one message or event; the reply goes back in this response."""
        started = time.perf_counter()
        try:
            msg, sealing = await self._open(request)
        except _Reject as exc:
            log.warning("wechat: rejected a callback (%d %s)", exc.status, exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        try:
            outcome = await self.book.answer(msg.dedupe_key, lambda: self.answer(msg), self.settings.deadline_seconds)
            text, how = (outcome.value, "joined" if outcome.joined else "answered") if outcome.ready else (None, "late")
        except Exception:  # noqa: BLE001 - a bug must not turn into WeChat's "service unavailable"
            text, how = texts.BROKEN, "failed"
        log.info("wechat: %s %s in %.1f ms", msg.msg_type, how, (time.perf_counter() - started) * 1000)
        if text is None:
            return web.Response(text=SUCCESS, content_type="text/plain")
        xml = text_reply(msg.from_user, msg.to_user, text, int(self.clock()))
        if sealing is not None:
            xml = self._seal(xml, *sealing)
        return web.Response(text=xml, content_type="application/xml")

    async def _open(self, request: web.Request) -> tuple[Inbound, tuple[str, str, int] | None]:
        """Size, signature, XML, decryption: the message, and (timestamp, nonce, key) to seal with."""
        s = self.settings
        if request.content_length is not None and request.content_length > s.max_body_bytes:
            raise _Reject(413, "body too large")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise _Reject(413, "body too large") from None
        if len(body) > s.max_body_bytes:
            raise _Reject(413, "body too large")
        q = request.query
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not verify(s.token, q.get("signature", ""), timestamp, nonce):
            raise _Reject(403, "bad signature")
        if not timestamp.isdigit():
            raise _Reject(400, "bad timestamp")
        try:
            outer = parse_fields(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _Reject(400, "body is not UTF-8") from None
        except BadXml as exc:
            raise _Reject(400, f"bad XML ({exc})") from None
        sealing = None
        if q.get("encrypt_type", "").lower() == "aes":
            if self.cipher is None or s.mode == "plain":
                raise _Reject(400, "encrypted message to a plain-mode server")
            encrypted = outer.get("Encrypt", "")
            if not encrypted:
                raise _Reject(400, "no Encrypt element")
            if not self.cipher.verify(q.get("msg_signature", ""), timestamp, nonce, encrypted):
                raise _Reject(403, "bad msg_signature")
            try:
                opened = self.cipher.open(encrypted)
                fields = parse_fields(opened.xml)
            except DecryptError as exc:
                raise _Reject(400, "wrong AppID" if exc.wrong_app_id else "undecryptable") from None
            except BadXml as exc:
                raise _Reject(400, f"bad inner XML ({exc})") from None
            sealing = (timestamp, nonce, opened.key_index)
        elif s.mode == "safe":
            raise _Reject(400, "plaintext message to a safe-mode server")
        else:
            fields = outer
        try:
            return inbound(fields), sealing
        except BadXml as exc:
            raise _Reject(400, f"not a message ({exc})") from None

    def _seal(self, xml: str, timestamp: str, nonce: str, key_index: int) -> str:
        assert self.cipher is not None
        encrypted, signature = self.cipher.seal(xml, timestamp, nonce, key_index)
        return encrypted_reply(encrypted, signature, timestamp, nonce)


CALLBACK_KEY = web.AppKey("wechat_callback", WeChatCallback)


def make_app(settings: CallbackSettings, answer: Answerer) -> web.Application:
    """The aiohttp application serving the callback at ``settings.path``."""
    app = web.Application(client_max_size=settings.max_body_bytes)
    callback = WeChatCallback(settings, answer)
    app[CALLBACK_KEY] = callback
    app.router.add_get(settings.path, callback.verify_url)
    app.router.add_post(settings.path, callback.receive)
    close = getattr(answer, "close", None)
    if callable(close):
        async def _close(_: web.Application) -> None:
            await asyncio.get_running_loop().run_in_executor(None, close)

        app.on_cleanup.append(_close)
    return app
