"""fanzha: the conversation core and its channels (console, Telegram, WeChat)."""
