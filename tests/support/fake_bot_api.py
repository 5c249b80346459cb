"""A small Telegram Bot API server for tests and benchmarks (aiohttp on 127.0.0.1, ephemeral port).

The bot under test talks real HTTP to it exactly as to api.telegram.org: point the Application's
``base_url`` at ``api.base_url`` and use ``api.token``. Usage::

    async with FakeBotApi() as api:
        app = build_application(..., token=api.token, base_url=api.base_url)
        ...start polling...
        api.send_text(private_chat(alice), alice, "有人让我刷单")   # inject an update (sync)
        [reply] = await api.next_messages(alice.id)                   # the bot's next sendMessage
        api.press(alice, reply, reply.button_data[0])                 # press one of its buttons

What it implements (Telegram-shaped JSON, ``{"ok": true, "result": ...}``): getMe, getUpdates
(offset confirmation, long polling, allowed_updates), sendMessage (HTML checked like Telegram,
4096-character limit, callback_data <= 64 bytes), editMessageText, editMessageReplyMarkup,
answerCallbackQuery (once per query), getChatMember (statuses set per chat with
`set_member`), set/delete/getMyCommands, deleteWebhook, setWebhook, getWebhookInfo,
sendChatAction, leaveChat, close, logOut. Anything else gets HTTP 400 with
``{"ok": false, "error_code": 400, "description": ...}``. Parameters are accepted as JSON, form
data or multipart, as PTB and other clients send them.

Recording and waiting: every request is kept as an `ApiCall` (method, decoded params, monotonic
time). `next_messages(chat_id, n)` returns the next n messages sent to a chat (a per-chat cursor, so
there is no race between injecting and waiting); `wait_for_calls` waits for any method; nothing
sleeps for a fixed time. Failure injection for a chat (`forbid`, `migrated`, `retry_after`, or
`fail` for anything else) lets scheduler tests see 403, 400 + migrate_to_chat_id and 429.

Fast enough for benchmarks: O(1) per request apart from the work the method itself does; waits
are futures woken by the request that satisfies them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.bot_api_objects import (JSON, Chat, User, callback_query, chat_member, message,
                                           my_chat_member, now, text_message)
from tests.support.telegram_html import HtmlError, telegram_length, visible_text

# Parameters that are strings on the wire and must never be JSON-decoded ("123" stays text).
STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "language_code",
    "action", "inline_message_id", "description", "short_description", "name", "emoji",
    "business_connection_id", "message_effect_id", "ip_address",
})
ALL_UPDATE_TYPES = ("message", "edited_message", "channel_post", "edited_channel_post",
                    "business_connection", "business_message", "edited_business_message",
                    "deleted_business_messages", "message_reaction", "message_reaction_count",
                    "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
                    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
                    "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
                    "removed_chat_boost")
# Telegram leaves these out unless a bot asks for them by name.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_TEXT = 4096
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")


class ApiError(Exception):
    """A Bot API error reply: HTTP status, description, optional `parameters`."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        """The JSON body Telegram sends for this error."""
        out: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: method name as sent, decoded parameters, monotonic time, and
    its position in `FakeBotApi.calls` (for ``since=``)."""

    method: str
    params: JSON
    at: float
    index: int


@dataclass
class SentMessage:
    """A message the bot sent; `message` is the server's live copy (edits show up in it)."""

    chat_id: int
    message_id: int
    params: JSON
    message: JSON
    at: float

    @property
    def text(self) -> str:
        """What the resident sees (HTML already interpreted)."""
        return self.message.get("text", "")

    @property
    def html(self) -> str:
        """The text exactly as the bot sent it."""
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[JSON]:
        """Inline keyboard buttons, row by row flattened (from the live copy)."""
        markup = self.message.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def button_data(self) -> list[str]:
        """callback_data of every callback button."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    @property
    def button_texts(self) -> list[str]:
        """Labels of every button."""
        return [b["text"] for b in self.buttons]


@dataclass
class Failure:
    """An injected error for one chat, for `remaining` calls (None = until cleared)."""

    error: ApiError
    methods: frozenset[str] | None
    remaining: int | None


class _Signal:
    """Wake every waiter when something changed; waiters re-check their own predicate."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def fire(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """True once `predicate()` holds, False if `timeout` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                return predicate()
        return True


@dataclass
class _ChatLog:
    messages: list[SentMessage] = field(default_factory=list)
    cursor: int = 0  # how many of `messages` next_messages has handed out
    next_id: int = 1


class FakeBotApi:
    """The server; use as ``async with FakeBotApi() as api`` (or `start()` / `stop()`)."""

    def __init__(self, token: str = "123456789:TEST-token_for-fanzha", bot_username: str = "fanzha_test_bot",
                 host: str = "127.0.0.1", port: int = 0):
        self.token = token
        self.bot = User(id=int(token.split(":")[0]), first_name="反诈助手", username=bot_username,
                        is_bot=True)
        self.host, self.port = host, port
        self.calls: list[ApiCall] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope json, language) -> commands
        self._by_method: dict[str, list[ApiCall]] = defaultdict(list)
        self._chats: dict[int, JSON] = {}
        self._logs: dict[int, _ChatLog] = defaultdict(_ChatLog)
        self._members: dict[tuple[int, int], str] = {}
        self._failures: dict[int, list[Failure]] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 1
        self.last_update_id = 0  # the most recently injected update
        self._confirmed = 0  # every update below this id has been taken into the bot's queue
        self._dropped: set[int] = set()  # updates never delivered (type not in allowed_updates)
        self._allowed: frozenset[str] = frozenset(ALL_UPDATE_TYPES) - NOT_BY_DEFAULT
        self._queries: dict[str, bool] = {}  # callback query id -> answered
        self._changed = _Signal()
        self._new_update = _Signal()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, Callable[[JSON], Any]] = {
            "getme": self._get_me, "getupdates": self._get_updates,
            "sendmessage": self._send_message, "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query, "getchatmember": self._get_chat_member,
            "setmycommands": self._set_my_commands, "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands, "deletewebhook": self._true,
            "setwebhook": self._true, "getwebhookinfo": self._get_webhook_info,
            "sendchataction": self._true, "leavechat": self._true, "close": self._true,
            "logout": self._true,
        }

    # -- lifecycle

    @property
    def base_url(self) -> str:
        """What to pass as the Application's base_url (the token is appended by the client)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass as base_file_url (files are not served)."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> "FakeBotApi":
        """Listen on host:port (port 0 = a free ephemeral port, then `self.port` is set)."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll the client gave up on must not hold shutdown.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0,
                                     access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Wake long polls and close the server."""
        self._closing = True
        self._new_update.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeBotApi":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- injecting updates (synchronous: the bot picks them up on its next poll)

    def inject(self, kind: str, payload: JSON) -> int:
        """Queue an update of `kind` ("message", "callback_query", ...); returns its update_id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        self._remember_chats(payload)
        self.last_update_id = update_id
        if kind == "callback_query":
            self._queries.setdefault(str(payload["id"]), False)  # may be answered once
        if kind not in self._allowed:
            # Telegram never delivers a type the bot did not ask for (allowed_updates).
            self._dropped.add(update_id)
            self._changed.fire()
            return update_id
        self._updates.append({"update_id": update_id, kind: payload})
        self._new_update.fire()
        return update_id

    def send(self, msg: JSON, edited: bool = False) -> JSON:
        """Inject a prepared Message as a new (or edited) message; returns it."""
        self.inject("edited_message" if edited else "message", msg)
        return msg

    def send_text(self, chat: Chat, sender: User, text: str, **fields: Any) -> JSON:
        """A resident writes `text` in `chat` (commands and @mentions of the bot get entities)."""
        return self.send(text_message(chat, sender, text, self.bot.username, **fields))

    def send_other(self, chat: Chat, sender: User, **fields: Any) -> JSON:
        """A message without text: ``send_other(chat, u, sticker=sticker())``, photo, voice..."""
        return self.send(message(chat, sender, None, **fields))

    def edit_text(self, original: JSON, text: str) -> JSON:
        """The sender edits an earlier message (an ``edited_message`` update)."""
        edited = dict(original, text=text, edit_date=now())
        return self.send(edited, edited=True)

    def reply_to(self, chat: Chat, sender: User, bot_message: SentMessage, text: str) -> JSON:
        """A resident replies to one of the bot's messages."""
        return self.send_text(chat, sender, text, reply_to_message=bot_message.message)

    def press(self, sender: User, bot_message: SentMessage | JSON, data: str) -> JSON:
        """`sender` presses the button carrying `data` under one of the bot's messages."""
        msg = bot_message.message if isinstance(bot_message, SentMessage) else bot_message
        query = callback_query(sender, msg, data)
        self.inject("callback_query", query)
        return query

    def bot_added(self, chat: Chat, by: User, status: str = "member") -> JSON:
        """Someone adds the bot to a group (my_chat_member left -> member/administrator)."""
        self._failures.pop(chat.id, None)
        update = my_chat_member(chat, by, self.bot, "left", status)
        self.inject("my_chat_member", update)
        return update

    def bot_removed(self, chat: Chat, by: User, kicked: bool = True) -> JSON:
        """Someone removes (kicked=True: bans) the bot; later sends to the chat get 403."""
        update = my_chat_member(chat, by, self.bot, "member", "kicked" if kicked else "left")
        self.forbid(chat.id, "Forbidden: bot was kicked from the group chat")
        self.inject("my_chat_member", update)
        return update

    def migrate(self, chat: Chat, new_id: int, by: User) -> tuple[JSON, JSON]:
        """The group becomes a supergroup: service messages in both chats; old id then gets 400."""
        new_chat = Chat(id=new_id, type="supergroup", title=chat.title)
        old_msg = self.send(message(chat, by, None, migrate_to_chat_id=new_id))
        new_msg = self.send(message(new_chat, by, None, migrate_from_chat_id=chat.id))
        self.migrated(chat.id, new_id)
        return old_msg, new_msg

    # -- configuring answers

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember(chat_id, user_id) status: creator, administrator, member, restricted, left, kicked."""
        self._members[(chat_id, user_id)] = status

    def fail(self, chat_id: int, status: int, description: str, parameters: JSON | None = None,
             methods: Iterable[str] | None = None, times: int | None = None) -> None:
        """Answer calls for `chat_id` (only `methods`, if given) with an error, `times` times."""
        only = frozenset(m.lower() for m in methods) if methods else None
        self._failures.setdefault(chat_id, []).append(
            Failure(ApiError(status, description, parameters), only, times))

    def forbid(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user",
               times: int | None = None) -> None:
        """403 for the chat (the bot was blocked or kicked)."""
        self.fail(chat_id, 403, description, times=times)

    def migrated(self, chat_id: int, new_id: int) -> None:
        """400 "group chat was upgraded to a supergroup chat" with migrate_to_chat_id."""
        self.fail(chat_id, 400, "Bad Request: group chat was upgraded to a supergroup chat",
                  {"migrate_to_chat_id": new_id})

    def retry_after(self, chat_id: int, seconds: int, times: int = 1) -> None:
        """429 "Too Many Requests: retry after N" with parameters.retry_after, `times` times."""
        self.fail(chat_id, 429, f"Too Many Requests: retry after {seconds}",
                  {"retry_after": seconds}, times=times)

    def clear_failures(self, chat_id: int | None = None) -> None:
        """Forget injected failures for one chat (or all)."""
        if chat_id is None:
            self._failures.clear()
        else:
            self._failures.pop(chat_id, None)

    # -- reading the record

    def calls_of(self, method: str) -> list[ApiCall]:
        """Every call of `method` so far, in order (method names are case-insensitive)."""
        return list(self._by_method.get(method.lower(), ()))

    def mark(self) -> int:
        """A position in `calls`, for `wait_for_calls(..., since=mark)`."""
        return len(self.calls)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Every message sent to a chat so far."""
        return list(self._logs[chat_id].messages)

    def pending_messages(self, chat_id: int) -> list[SentMessage]:
        """Messages to a chat that `next_messages` has not handed out yet."""
        log = self._logs[chat_id]
        return log.messages[log.cursor:]

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set for a scope (None = default scope)."""
        return self.commands.get((_scope_key(scope), language_code), [])

    async def next_messages(self, chat_id: int, n: int = 1, timeout: float = 5.0) -> list[SentMessage]:
        """The next `n` messages sent to `chat_id` after those already handed out; waits up to `timeout`."""
        log = self._logs[chat_id]
        if not await self._changed.wait_until(lambda: len(log.messages) - log.cursor >= n, timeout):
            got = len(log.messages) - log.cursor
            raise AssertionError(f"expected {n} message(s) to chat {chat_id} within {timeout}s, got {got}; "
                                 f"recent calls: {[c.method for c in self.calls[-12:]]}")
        out = log.messages[log.cursor:log.cursor + n]
        log.cursor += n
        return out

    async def wait_for_calls(self, method: str, n: int = 1, where: Callable[[ApiCall], bool] | None = None,
                             since: int = 0, timeout: float = 5.0) -> list[ApiCall]:
        """The first `n` calls of `method` (matching `where`) made at or after position `since`."""
        method_calls = self._by_method[method.lower()]
        found: list[ApiCall] = []
        scanned = 0

        def enough() -> bool:
            nonlocal scanned
            while scanned < len(method_calls) and len(found) < n:
                call = method_calls[scanned]
                scanned += 1
                if call.index >= since and (where is None or where(call)):
                    found.append(call)
            return len(found) >= n

        if not await self._changed.wait_until(enough, timeout):
            raise AssertionError(f"expected {n} {method} call(s) within {timeout}s, got {len(found)}")
        return found

    async def confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Wait until the bot has taken `update_id` into its update queue (it polled past it), or
        the update was dropped because the bot did not ask for its type."""
        if not await self._changed.wait_until(
                lambda: self._confirmed > update_id or update_id in self._dropped, timeout):
            raise AssertionError(f"update {update_id} was not fetched within {timeout}s")

    # -- HTTP

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        params = await _decode_params(request)
        call = ApiCall(method, params, time.monotonic(), len(self.calls))
        self.calls.append(call)
        self._by_method[method.lower()].append(call)
        self._changed.fire()  # a waiter on the call itself need not wait for a long poll's answer
        try:
            impl = self._methods.get(method.lower())
            if impl is None:
                raise ApiError(400, f"Bad Request: method {method!r} is not implemented by the fake Bot API")
            self._check_failure(method.lower(), params)
            result = await impl(params)
        except ApiError as exc:
            self._changed.fire()
            return web.json_response(exc.body(), status=exc.status)
        self._changed.fire()
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    def _check_failure(self, method: str, params: JSON) -> None:
        chat_id = params.get("chat_id")
        failures = self._failures.get(chat_id) if isinstance(chat_id, int) else None
        if not failures:
            return
        for failure in failures:
            if failure.methods is None or method in failure.methods:
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        failures.remove(failure)
                raise failure.error

    # -- methods

    async def _true(self, params: JSON) -> bool:
        return True

    async def _get_me(self, params: JSON) -> JSON:
        return {**self.bot.to_dict(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    async def _get_webhook_info(self, params: JSON) -> JSON:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if offset > self._confirmed:
                self._confirmed = offset
                self._changed.fire()
        if params.get("allowed_updates") is not None:
            self._allowed = frozenset(params["allowed_updates"] or ALL_UPDATE_TYPES) - (
                frozenset() if params["allowed_updates"] else NOT_BY_DEFAULT)
            self._drop_unwanted()
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._closing:
            await self._new_update.wait_until(lambda: bool(self._updates) or self._closing, timeout)
        limit = int(params.get("limit") or 100)
        return self._updates[:limit]

    async def _send_message(self, params: JSON) -> JSON:
        chat_id = _int_param(params, "chat_id")
        text = self._checked_text(params)
        _check_markup(params.get("reply_markup"))
        log = self._logs[chat_id]
        msg: JSON = {"message_id": log.next_id, "date": now(), "chat": self._chat(chat_id),
                     "from": self.bot.to_dict(), "text": text}
        log.next_id += 1
        if params.get("reply_markup"):
            msg["reply_markup"] = params["reply_markup"]
        log.messages.append(SentMessage(chat_id, msg["message_id"], params, msg, time.monotonic()))
        return msg

    async def _edit_message_text(self, params: JSON) -> JSON | bool:
        if "inline_message_id" in params:
            return True
        sent = self._find(params)
        text = self._checked_text(params)
        _check_markup(params.get("reply_markup"))
        if text == sent.message.get("text") and params.get("reply_markup") == sent.message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        sent.message.update(text=text, edit_date=now())
        _set_markup(sent.message, params.get("reply_markup"))
        return sent.message

    async def _edit_reply_markup(self, params: JSON) -> JSON | bool:
        if "inline_message_id" in params:
            return True
        sent = self._find(params)
        _check_markup(params.get("reply_markup"))
        if params.get("reply_markup") == sent.message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        _set_markup(sent.message, params.get("reply_markup"))
        return sent.message

    async def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if self._queries.get(query_id, True):  # unknown or already answered
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._queries[query_id] = True
        return True

    async def _get_chat_member(self, params: JSON) -> JSON:
        chat_id, user_id = _int_param(params, "chat_id"), _int_param(params, "user_id")
        status = self._members.get((chat_id, user_id), "member")
        user = self.bot if user_id == self.bot.id else User(id=user_id, first_name=f"User {user_id}")
        return chat_member(user, status)

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(isinstance(c, dict) and {"command", "description"} <= set(c)
                                                     for c in commands):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        self.commands[(_scope_key(params.get("scope")), params.get("language_code") or "")] = commands
        return True

    async def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop((_scope_key(params.get("scope")), params.get("language_code") or ""), None)
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        return self.commands_for(params.get("scope"), params.get("language_code") or "")

    # -- helpers

    def _drop_unwanted(self) -> None:
        kept = [u for u in self._updates if _kind(u) in self._allowed]
        if len(kept) != len(self._updates):
            self._dropped.update(u["update_id"] for u in self._updates if _kind(u) not in self._allowed)
            self._updates = kept
            self._changed.fire()

    def _remember_chats(self, payload: JSON) -> None:
        for key in ("chat",):
            if isinstance(payload.get(key), dict):
                self._chats[payload[key]["id"]] = payload[key]
        if isinstance(payload.get("message"), dict):
            self._remember_chats(payload["message"])

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            kind = "private" if chat_id > 0 else "supergroup" if str(chat_id).startswith("-100") else "group"
            self._chats[chat_id] = {"id": chat_id, "type": kind}
            if kind != "private":
                self._chats[chat_id]["title"] = f"Group {chat_id}"
        return self._chats[chat_id]

    def _find(self, params: JSON) -> SentMessage:
        chat_id, message_id = _int_param(params, "chat_id"), _int_param(params, "message_id")
        for sent in reversed(self._logs[chat_id].messages):
            if sent.message_id == message_id:
                return sent
        raise ApiError(400, "Bad Request: message to edit not found")

    def _checked_text(self, params: JSON) -> str:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text = raw
        if str(params.get("parse_mode", "")).lower() == "html":
            try:
                text = visible_text(raw)
            except HtmlError as exc:
                raise ApiError(400, str(exc)) from None
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if telegram_length(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text


def _kind(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


def _scope_key(scope: Any) -> str:
    if not scope or scope == {"type": "default"}:
        return "default"
    return json.dumps(scope, sort_keys=True)


def _int_param(params: JSON, name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"Bad Request: {name} is missing or not an integer")
    return value


def _check_markup(markup: Any) -> None:
    if not markup:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")


def _set_markup(msg: JSON, markup: Any) -> None:
    if markup and markup.get("inline_keyboard"):
        msg["reply_markup"] = markup
    else:
        msg.pop("reply_markup", None)


def _decode_value(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _decode_params(request: web.Request) -> JSON:
    """Query string, JSON body, urlencoded or multipart form: one dict of decoded values."""
    params: JSON = {k: _decode_value(k, v) for k, v in request.query.items()}
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            # Like Telegram, accept objects sent as JSON-encoded strings inside a JSON body.
            params.update({k: _decode_value(k, v) if isinstance(v, str) and v[:1] in "[{" else v
                           for k, v in body.items()})
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, str):
            params[key] = _decode_value(key, value)
    return params


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)
