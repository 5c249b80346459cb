"""Telegram-shaped JSON for tests: users, chats, messages and the updates a test injects.

Everything here returns plain dicts exactly as the Bot API sends them (dates in integer seconds,
`from` not `from_user`), so the bot under test parses them with its own library, as in production.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

_message_ids = itertools.count(1_000_000)  # residents' message ids; the server numbers the bot's own


@dataclass(frozen=True)
class User:
    """A Telegram user (a resident, an admin, or the bot itself)."""

    id: int
    first_name: str = "Resident"
    username: str | None = None
    is_bot: bool = False
    language_code: str | None = "zh-hans"

    def to_dict(self) -> JSON:
        """Bot API `User` object."""
        out: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            out["username"] = self.username
        if self.language_code and not self.is_bot:
            out["language_code"] = self.language_code
        return out


@dataclass(frozen=True)
class Chat:
    """A Telegram chat: private (id = the user's id), group, supergroup or channel."""

    id: int
    type: str = "private"
    title: str | None = None
    first_name: str | None = None

    def to_dict(self) -> JSON:
        """Bot API `Chat` object."""
        out: JSON = {"id": self.id, "type": self.type}
        if self.title is not None:
            out["title"] = self.title
        if self.first_name is not None:
            out["first_name"] = self.first_name
        return out


def private_chat(user: User) -> Chat:
    """The private chat between the bot and `user`."""
    return Chat(id=user.id, type="private", first_name=user.first_name)


def group_chat(chat_id: int, title: str = "幸福小区业主群", supergroup: bool = False) -> Chat:
    """A group (negative id) or supergroup (id -100...)."""
    return Chat(id=chat_id, type="supergroup" if supergroup else "group", title=title)


def now() -> int:
    """Telegram dates: integer seconds since the epoch."""
    return int(time.time())


def entities_for(text: str, bot_username: str | None = None) -> list[JSON]:
    """Entities Telegram would attach: a leading /command and any @mention of the bot.

    Offsets and lengths are in UTF-16 code units, as in the Bot API.
    """
    def u16(s: str) -> int:
        return len(s.encode("utf-16-le")) // 2

    out: list[JSON] = []
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        out.append({"type": "bot_command", "offset": 0, "length": u16(command)})
    if bot_username:
        mention = "@" + bot_username
        start = text.lower().find(mention.lower())
        if start >= 0 and not text.startswith("/"):
            out.append({"type": "mention", "offset": u16(text[:start]), "length": u16(mention)})
    return out


def message(chat: Chat, sender: User | None, text: str | None = None, **fields: Any) -> JSON:
    """A Message; `fields` adds anything else (caption, sticker, forward_origin, reply_to_message...)."""
    msg: JSON = {"message_id": fields.pop("message_id", next(_message_ids)), "date": now(),
                 "chat": chat.to_dict()}
    if sender is not None:
        msg["from"] = sender.to_dict()
    if text is not None:
        msg["text"] = text
    msg.update(fields)
    return msg


def text_message(chat: Chat, sender: User, text: str, bot_username: str | None = None,
                 **fields: Any) -> JSON:
    """A text message with the entities Telegram would compute (commands, @mentions of the bot)."""
    entities = entities_for(text, bot_username)
    if entities:
        fields.setdefault("entities", entities)
    return message(chat, sender, text, **fields)


def forward_origin(name: str = "张三") -> JSON:
    """`forward_origin` of a message forwarded from a user who hides their account."""
    return {"type": "hidden_user", "date": now() - 3600, "sender_user_name": name}


def sticker() -> JSON:
    """A minimal Sticker object (a message with no text)."""
    return {"file_id": "CAACAgIAAxkBAAEB", "file_unique_id": "AgADAQAD", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False}


def voice() -> JSON:
    """A minimal Voice object."""
    return {"file_id": "AwACAgIAAxkBAAEC", "file_unique_id": "AgADAgAD", "duration": 7,
            "mime_type": "audio/ogg"}


def photo() -> list[JSON]:
    """A PhotoSize list (Telegram sends several sizes)."""
    return [{"file_id": f"AgACAgIAAxkBAAED{i}", "file_unique_id": f"AQAD{i}", "width": w, "height": w}
            for i, w in enumerate((90, 320, 800))]


def chat_member(user: User, status: str) -> JSON:
    """A ChatMember object with every field the Bot API requires for `status`."""
    out: JSON = {"status": status, "user": user.to_dict()}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update({key: True for key in (
            "can_be_edited", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
            "can_post_stories", "can_edit_stories", "can_delete_stories")})
        out["is_anonymous"] = False
    elif status == "kicked":
        out["until_date"] = 0
    elif status == "restricted":
        out.update({"is_member": True, "until_date": 0, **{key: False for key in (
            "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
            "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
            "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
            "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag",
            "can_react_to_messages")}})
    return out


def my_chat_member(chat: Chat, by: User, bot: User, old: str, new: str) -> JSON:
    """ChatMemberUpdated about the bot itself (added: left→member, removed: member→left/kicked)."""
    return {"chat": chat.to_dict(), "from": by.to_dict(), "date": now(),
            "old_chat_member": chat_member(bot, old), "new_chat_member": chat_member(bot, new)}


def callback_query(sender: User, bot_message: JSON, data: str) -> JSON:
    """A CallbackQuery: `sender` pressed a button carrying `data` under `bot_message`."""
    return {"id": str(next(_message_ids)), "from": sender.to_dict(), "message": bot_message,
            "chat_instance": str(bot_message["chat"]["id"]), "data": data}
