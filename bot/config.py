"""Configuration: config.toml (non-secret settings) validated into typed sections.

Every section is a frozen dataclass owned by the module that uses it; this module only reads
the file and checks types, so a broken file gives one error listing every problem. Secrets
(tokens, keys) never live here: they come from the environment (see `secret`).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.matcher import MatcherSettings
from scheduler.settings import SchedulerSettings
from storage.settings import StorageSettings

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config.toml"


class ConfigError(ValueError):
    """Every problem in a config file, one per line."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: invalid configuration\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class DialogueSettings:
    """How replies are shaped."""

    reply_byte_budget: int = 2000  # WeChat's passive-reply limit; Telegram pages at 4096 chars
    show_flags: int = 4  # red flags quoted in a verdict reply


@dataclass(frozen=True)
class PrivacySettings:
    """What is kept, and for how long."""

    retention_days: int = 30
    log_message_text: bool = False  # never log residents' raw text unless an operator opts in


@dataclass(frozen=True)
class TelegramSettings:
    """Telegram channel (token from TELEGRAM_BOT_TOKEN only)."""

    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"  # or "webhook"
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_url: str = ""
    operator_chat_id: int = 0  # 0 = no operator notifications
    operators: list[int] = dataclasses.field(default_factory=list)
    guardian_threshold: float = 0.75
    flood_messages: int = 8
    flood_seconds: float = 30.0
    rate_limiter: bool = True


@dataclass(frozen=True)
class WeChatSettings:
    """WeChat 公众号 callback and WeCom robots (secrets from the environment)."""

    host: str = "127.0.0.1"
    port: int = 8080
    path: str = "/wechat"
    app_id: str = ""
    deadline_seconds: float = 4.0
    max_body_bytes: int = 65536
    wecom_robots: list[str] = dataclasses.field(default_factory=list)  # names; keys in WECOM_ROBOT_<NAME>


@dataclass(frozen=True)
class Config:
    """The whole configuration."""

    matcher: MatcherSettings = MatcherSettings()
    dialogue: DialogueSettings = DialogueSettings()
    privacy: PrivacySettings = PrivacySettings()
    storage: StorageSettings = StorageSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    telegram: TelegramSettings = TelegramSettings()
    wechat: WeChatSettings = WeChatSettings()
    path: str = ""


def _check_value(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        return isinstance(value, list) and all(item is Any or _check_value(v, item) for v in value)
    if origin in (typing.Union, types.UnionType):
        return any(_check_value(value, h) for h in typing.get_args(hint))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _section(cls: type, raw: Any, name: str, problems: list[str]) -> Any:
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        problems.append(f"[{name}] must be a table")
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in fields:
            problems.append(f"[{name}] {key}: unknown setting (known: {', '.join(sorted(fields))})")
            continue
        if not _check_value(value, hints[key]):
            problems.append(f"[{name}] {key}: expected {getattr(hints[key], '__name__', hints[key])}, got {value!r}")
            continue
        values[key] = float(value) if hints[key] is float else value
    instance = cls(**values)
    validate = getattr(instance, "problems", None)
    if callable(validate):
        problems.extend(f"[{name}] {p}" for p in validate())
    return instance


def config_path() -> Path:
    """FANZHA_CONFIG if set, else the repository's config.toml."""
    return Path(os.environ.get("FANZHA_CONFIG") or DEFAULT_PATH)


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file; raise ConfigError listing every problem."""
    path = Path(path) if path else config_path()
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (set FANZHA_CONFIG or create config.toml)"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    sections = {f.name: f.type for f in dataclasses.fields(Config) if f.name != "path"}
    hints = typing.get_type_hints(Config)
    for key in raw:
        if key not in sections:
            problems.append(f"[{key}]: unknown section (known: {', '.join(sorted(sections))})")
    values = {name: _section(hints[name], raw.get(name), name, problems) for name in sections}
    if problems:
        raise ConfigError(path, problems)
    return Config(**values, path=str(path))


def secret(name: str) -> str:
    """A secret from the environment ("" when unset). Secrets are never read from files."""
    return os.environ.get(name, "").strip()
