"""Scheduler settings (config.toml [scheduler])."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SchedulerSettings:
    """Daily warning push."""

    default_time: str = "09:00"
    default_timezone: str = "Asia/Shanghai"
    no_repeat_days: int = 60
    catch_up_grace_minutes: int = 180
    global_rate_per_second: float = 30.0
    per_chat_per_minute: int = 20
    max_retries: int = 5

    def problems(self) -> list[str]:
        """Validation beyond types."""
        out = []
        hh, _, mm = self.default_time.partition(":")
        if not (hh.isdigit() and mm.isdigit() and 0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            out.append(f"default_time: {self.default_time!r} is not HH:MM")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.default_timezone)
        except Exception:
            out.append(f"default_timezone: unknown time zone {self.default_timezone!r}")
        if self.global_rate_per_second <= 0 or self.global_rate_per_second > 30:
            out.append("global_rate_per_second: must be in (0, 30] (Telegram's broadcast limit)")
        if self.no_repeat_days < 1:
            out.append("no_repeat_days: must be at least 1")
        return out
