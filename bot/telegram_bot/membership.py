"""The bot's own membership in groups (my_chat_member) and group→supergroup migration."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update

from bot.telegram_bot import texts
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.groups_store import deactivate_group, migrate_group
from bot.telegram_bot.render import deep_link, escape, link
from bot.telegram_bot.sending import send_text

_MEMBER = (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER)


def membership_change(change: ChatMemberUpdated) -> tuple[bool, bool]:
    """(was a member, is a member) for the bot; a restricted bot still in the chat counts as one."""
    def is_member(member: ChatMember) -> bool:
        return member.status in _MEMBER or (
            member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False)))

    return is_member(change.old_chat_member), is_member(change.new_chat_member)


async def track_bot_membership(update: Update, context: BotContext) -> None:
    """Added to a group: introduce itself. Removed or banned: stop the group's daily warning."""
    change = update.my_chat_member
    if change is None or change.chat.type == change.chat.PRIVATE:
        return
    was_member, is_member = membership_change(change)
    if was_member and not is_member:
        deactivate_group(context.application, change.chat.id)
    elif is_member and not was_member:
        intro = escape(texts.GROUP_INTRO) + "\n" + link(deep_link(context.bot.username), texts.PRIVATE_LINK)
        await send_text(context.bot, change.chat.id, intro)


async def migration_message(update: Update, context: BotContext) -> None:
    """Move a group's subscription when it becomes a supergroup (it gets a new chat id)."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        migrate_group(context.application, message.chat_id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        migrate_group(context.application, message.migrate_from_chat_id, message.chat_id)
