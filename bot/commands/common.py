"""Helpers shared by commands: loading config and brain with one clear error, reading input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from bot.brain import Brain, load_brain
from bot.config import Config, ConfigError, load_config
from knowledge.catalogue import CatalogueError


class CommandError(Exception):
    """A user-facing failure: printed as one message, exit code 1 (or `code`)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def config_or_exit(path: str | None = None) -> Config:
    """Load config; on error print every problem and exit 2."""
    try:
        return load_config(Path(path) if path else None)
    except ConfigError as exc:
        print(f"fanzha: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def brain_or_exit(config: Config, require_complete: bool = True) -> Brain:
    """Load the catalogue; on error print every problem (file, entry, field) and exit 2."""
    try:
        return load_brain(config.matcher, require_complete=require_complete)
    except CatalogueError as exc:
        print("fanzha: the catalogue has problems:\n" + "\n".join(f"  - {p}" for p in exc.problems), file=sys.stderr)
        raise SystemExit(2) from None


def open_input(name: str | None) -> IO[str]:
    """A file by name, or standard input for None or "-"."""
    if not name or name == "-":
        return sys.stdin
    try:
        return open(name, encoding="utf-8", errors="replace")
    except OSError as exc:
        print(f"fanzha: cannot read {name}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(2) from None
