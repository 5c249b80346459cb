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
    show_flags: int = 3  # red flags quoted in a verdict reply

    def problems(self) -> list[str]:
        """Validation beyond types."""
        out = []
        if self.reply_byte_budget < 200:
            out.append("reply_byte_budget: must be at least 200 bytes")
        if not 1 <= self.show_flags <= 10:
            out.append("show_flags: must be between 1 and 10")
        return out


@dataclass(frozen=True)
class PrivacySettings:
    """What is kept, and for how long."""

    retention_days: int = 30

    def problems(self) -> list[str]:
        """Validation beyond types."""
        return [] if self.retention_days >= 1 else ["retention_days: must be at least 1"]


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
    concurrent_updates: int = 4  # updates handled at once (each chat still in order); 1 = one at a time


WECHAT_MODES = ("safe", "compat", "plain")  # 安全模式, 兼容模式, 明文模式


@dataclass(frozen=True)
class WeChatSettings:
    """WeChat 公众号 callback and WeCom robots (secrets from the environment).

    Token and EncodingAESKey come from WECHAT_TOKEN / WECHAT_ENCODING_AES_KEY (and
    WECHAT_ENCODING_AES_KEY_PREVIOUS during a key change); robot webhook keys from
    WECOM_ROBOT_<NAME>.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    path: str = "/wechat"
    app_id: str = ""
    mode: str = "safe"  # "safe" (encrypted only), "compat" (both), "plain" (明文 only)
    deadline_seconds: float = 4.0  # WeChat waits 5 s; a later answer goes out on its retry
    max_body_bytes: int = 65536
    dedupe_seconds: float = 300.0  # how long an answer is kept for WeChat's retries (≥ 60 s)
    dedupe_entries: int = 10000  # bound on remembered answers
    wecom_robots: list[str] = dataclasses.field(default_factory=list)  # names; keys in WECOM_ROBOT_<NAME>
    wecom_base_url: str = "https://qyapi.weixin.qq.com"  # tests point this at a local stub
    wecom_text_bytes: int = 2048  # robot text limit (4096 in the 2025 doc, 2048 in older ones)
    wecom_per_minute: int = 20  # robot limit: 20 messages per rolling minute
    wecom_rate_limit_wait_seconds: float = 65.0  # after errcode 45009, wait out the window
    wecom_max_retries: int = 3  # 45009 / connection failures per message before giving the day back
    wecom_timeout_seconds: float = 10.0

    def problems(self) -> list[str]:
        """Validation beyond types."""
        out = []
        if self.mode not in WECHAT_MODES:
            out.append(f"mode: {self.mode!r} is not one of {', '.join(WECHAT_MODES)}")
        if not self.path.startswith("/"):
            out.append(f"path: {self.path!r} must start with /")
        if not 0 < self.deadline_seconds < 5:
            out.append("deadline_seconds: must be in (0, 5) (WeChat gives up after 5 s)")
        if self.max_body_bytes < 1024:
            out.append("max_body_bytes: must be at least 1024")
        if self.dedupe_seconds < 60 or self.dedupe_entries < 100:
            out.append("dedupe_seconds must be >= 60 (WeChat retries for ~15 s) and dedupe_entries >= 100")
        for name in self.wecom_robots:
            if not name or not all(c.isascii() and (c.isalnum() or c in "_-") for c in name):
                out.append(f"wecom_robots: {name!r} must be ASCII letters, digits, _ or - (it names WECOM_ROBOT_<NAME>)")
        if len({n.upper().replace("-", "_") for n in self.wecom_robots}) != len(self.wecom_robots):
            out.append("wecom_robots: two names map to the same WECOM_ROBOT_<NAME> variable")
        if not 1 <= self.wecom_per_minute <= 20:
            out.append("wecom_per_minute: must be in [1, 20] (the robot's limit)")
        if not 64 <= self.wecom_text_bytes <= 4096:
            out.append("wecom_text_bytes: must be in [64, 4096]")
        if self.wecom_rate_limit_wait_seconds < 60:
            out.append("wecom_rate_limit_wait_seconds: must be >= 60 (the limit is per rolling minute)")
        if self.wecom_max_retries < 0 or self.wecom_timeout_seconds <= 0:
            out.append("wecom_max_retries must be >= 0 and wecom_timeout_seconds > 0")
        return out


@dataclass(frozen=True)
class MaintenanceSettings:
    """Maintainers' loop: hot reload, the review queue, the daily retention purge."""

    reload_file: str = "fanzha.reload"  # `fanzha kb reload` touches it; a running bot reloads
    pid_file: str = "fanzha.pid"  # written by a running bot so `fanzha kb reload` can SIGHUP it
    reload_poll_seconds: float = 5.0  # how often a running bot looks at reload_file
    review_min_confidence: float = 0.6  # `fanzha review` lists answers below this confidence
    review_similarity: int = 60  # 0-100: how alike two kept texts must be to share a review group
    purge_time: str = "03:30"  # daily retention purge, local time ([scheduler] default_timezone)

    def problems(self) -> list[str]:
        """Validation beyond types."""
        out = []
        if not self.reload_file.strip() or not self.pid_file.strip():
            out.append("reload_file and pid_file must not be empty")
        if self.reload_poll_seconds < 0.5:
            out.append("reload_poll_seconds: must be at least 0.5")
        if not 0 <= self.review_min_confidence <= 1:
            out.append("review_min_confidence: must be in [0, 1]")
        if not 0 <= self.review_similarity <= 100:
            out.append("review_similarity: must be in [0, 100]")
        hh, _, mm = self.purge_time.partition(":")
        if not (hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            out.append(f"purge_time: {self.purge_time!r} is not HH:MM")
        return out


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
    maintenance: MaintenanceSettings = MaintenanceSettings()
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
