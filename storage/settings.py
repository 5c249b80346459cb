"""Storage settings (config.toml [storage])."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StorageSettings:
    """Where the SQLite file lives. Relative paths are relative to the working directory."""

    path: str = "fanzha.db"

    def problems(self) -> list[str]:
        """Validation beyond types."""
        return [] if self.path.strip() else ["path: must not be empty"]
