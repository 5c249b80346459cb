"""Persistent state in one SQLite file, through sqlite-utils, with migrations."""
