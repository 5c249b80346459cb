"""The scam catalogue and the matcher: pure, no Telegram, no SQLite, no network."""
