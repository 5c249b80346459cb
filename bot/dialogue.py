"""The conversation core, channel-neutral: (state, message) → (reply, new state).

(Interface stub: implementation in progress by the core engineer. Channels depend only on
`Dialogue.handle`, `Dialogue.choose`, `Dialogue.command` and the types in bot.conversation.)
"""

from __future__ import annotations

from bot.conversation import ConversationState, Reply


class Dialogue:
    """Stateless service; all per-user memory lives in ConversationState."""

    def handle(self, state: ConversationState, text: str) -> tuple[Reply, ConversationState]:
        """Answer a free-text message."""
        raise NotImplementedError

    def choose(self, state: ConversationState, option_id: str) -> tuple[Reply, ConversationState]:
        """Answer a pressed option (button / numbered line)."""
        raise NotImplementedError

    def guardian(self, text: str, threshold: float) -> Reply | None:
        """A brief group warning if `text` is a scam with confidence >= threshold, else None."""
        raise NotImplementedError

    def command(self, state: ConversationState, name: str, arg: str = "") -> tuple[Reply, ConversationState]:
        """Answer a command: start, help, types, type <id or name>, privacy, tips, case."""
        raise NotImplementedError
