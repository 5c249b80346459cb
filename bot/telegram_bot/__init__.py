"""Telegram channel: application builder, handlers, and the daily-warning push wiring.

Start at `app.py` (the builder chain and THE routing table). Handlers, by trigger:
`private.py` (residents' messages and buttons), `resident_commands.py`, `groups.py` (mentions,
guardian mode), `admin.py` (/subscribe, /unsubscribe, /settings), `membership.py` (added,
removed, migrated). Pure helpers: `render.py`, `flood.py`, `group_settings.py`, `commands.py`,
`texts.py`. `errors.py` is the one place that knows which Telegram errors are expected;
`groups_store.py` the one place that writes subscriptions; `push.py` the daily warning.
"""
