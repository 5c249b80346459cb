"""Telegram channel: application builder, handlers, and the daily-warning push wiring."""
