"""The message-type table: what the 公众号 answers to each kind of inbound message.

| MsgType / Event          | answer                                                         |
|--------------------------|----------------------------------------------------------------|
| text                     | the dialogue (「更多」 pages, a digit picks a numbered option)    |
| text 「今日预警」           | today's warning, formatted for forwarding into family groups   |
| voice with Recognition   | the recognised text, as if typed                               |
| voice without            | please type it                                                 |
| image / video / location / link / other | guidance: what to send instead                  |
| event subscribe          | welcome + the dialogue's greeting                              |
| event unsubscribe        | forget everything about the follower; no reply (``success``)   |
| event CLICK              | the menu key, as if typed (only if a menu was set up via API)  |
| other events             | no reply                                                       |

Synchronous on purpose: the ChatService does SQLite work under a lock, so the app runs this in
a worker thread and keeps its own event loop free to honour WeChat's deadline.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.service import ChatService
from bot.wechat import render, texts
from bot.wechat.messages import Inbound
from knowledge.normalize import fold

CHANNEL = "wechat"
# 「今日预警」 and the ways residents are likely to ask for it (compared after folding 繁→简).
FORWARD_WORDS = frozenset({"今日预警", "今天预警", "今天的预警", "每日预警", "今日提醒", "每日提醒",
                           "今日案例", "今天的案例", "转发预警"})
_PUNCT = " \t\r\n!！?？。.~～、"


class Responder:
    """Inbound message → reply text (None: nothing to say, the app answers ``success``)."""

    def __init__(self, service: ChatService, byte_budget: int = 2000, channel: str = CHANNEL):
        self.service = service
        self.budget = byte_budget
        self.channel = channel

    def answer(self, msg: Inbound) -> str | None:
        """The reply to `msg`, looked up in MESSAGE_TYPES (unknown types get guidance)."""
        handler = MESSAGE_TYPES.get(msg.msg_type, Responder._other)
        return handler(self, msg)

    # -- rows of the table

    def _text(self, msg: Inbound) -> str | None:
        return self._say(msg.from_user, msg.content)

    def _voice(self, msg: Inbound) -> str | None:
        if msg.recognition.strip():
            return self._say(msg.from_user, msg.recognition)
        return texts.VOICE_UNRECOGNISED

    def _image(self, msg: Inbound) -> str | None:
        return texts.IMAGE

    def _video(self, msg: Inbound) -> str | None:
        return texts.VIDEO

    def _location(self, msg: Inbound) -> str | None:
        return texts.LOCATION

    def _link(self, msg: Inbound) -> str | None:
        return texts.LINK

    def _other(self, msg: Inbound) -> str | None:
        return texts.OTHER

    def _event(self, msg: Inbound) -> str | None:
        event = msg.event.lower()
        if event == "subscribe":
            head = texts.WELCOME + "\n\n"
            reply = self.service.command(self.channel, msg.from_user, "start")
            return head + render.fit(reply, self.budget - render.size(head), self.service, self.channel, msg.from_user)
        if event == "unsubscribe":
            self.service.forget(self.channel, msg.from_user)
            return None
        if event == "click" and msg.event_key.strip():
            return self._say(msg.from_user, msg.event_key)
        return None

    # -- helpers

    def _say(self, user: str, text: str) -> str:
        """A typed (or recognised) message: 「今日预警」, else the dialogue."""
        if len(text) <= 16 and fold(text).strip(_PUNCT) in FORWARD_WORDS:
            # The text goes along so a traditional-script request gets a traditional warning.
            reply = self.service.command(self.channel, user, "case", text)
        else:
            reply = self.service.handle_text(self.channel, user, text)
        return render.fit(reply, self.budget, self.service, self.channel, user)


MESSAGE_TYPES: dict[str, Callable[[Responder, Inbound], str | None]] = {
    "text": Responder._text,
    "voice": Responder._voice,
    "image": Responder._image,
    "video": Responder._video,
    "shortvideo": Responder._video,
    "location": Responder._location,
    "link": Responder._link,
    "event": Responder._event,
}
