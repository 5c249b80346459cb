"""Scheduler settings (config.toml [scheduler])."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.broadcast import BroadcastSettings


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
    max_in_flight: int = 16  # concurrent sends; enough to keep 30/s with ~0.5 s API latency
    rate_headroom: float = 0.02  # pace at rate/(1+headroom); the window guard also keeps one message spare
    backoff_base_seconds: float = 1.0  # network errors: 1, 2, 4 ... seconds between attempts
    backoff_max_seconds: float = 60.0
    claim_lease_seconds: int = 600  # a claim older than this with no result is a crashed sender's

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
        if not 0 <= self.catch_up_grace_minutes < 24 * 60:
            out.append("catch_up_grace_minutes: must be in [0, 1440) (a later push is tomorrow's)")
        if not 1 <= self.per_chat_per_minute <= 20:
            out.append("per_chat_per_minute: must be in [1, 20] (Telegram's per-group limit)")
        if self.max_retries < 0 or self.max_in_flight < 1:
            out.append("max_retries must be >= 0 and max_in_flight >= 1")
        if not 0 <= self.rate_headroom < 1:
            out.append("rate_headroom: must be in [0, 1)")
        if self.backoff_base_seconds <= 0 or self.backoff_max_seconds < self.backoff_base_seconds:
            out.append("backoff_base_seconds must be > 0 and <= backoff_max_seconds")
        if self.claim_lease_seconds <= self.backoff_max_seconds:
            out.append("claim_lease_seconds: must exceed backoff_max_seconds, or a slow retry looks crashed")
        return out

    def broadcast(self) -> BroadcastSettings:
        """The broadcaster's limits and retry policy."""
        return BroadcastSettings(
            rate_per_second=self.global_rate_per_second, per_chat_per_minute=self.per_chat_per_minute,
            max_retries=self.max_retries, max_in_flight=self.max_in_flight, headroom=self.rate_headroom,
            backoff_base_seconds=self.backoff_base_seconds, backoff_max_seconds=self.backoff_max_seconds,
            claim_lease_seconds=float(self.claim_lease_seconds),
        )
