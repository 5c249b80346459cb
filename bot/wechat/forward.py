"""「今日预警」: today's warning as a passive reply, ready to forward into family groups.

An unverified 公众号 cannot push into residents' WeChat groups (nothing can, officially), so the
"forward kit" turns it around: a group admin or a grown-up child sends 「今日预警」 to the
account, gets today's case as one self-contained message, and forwards it by hand. The case of
the day itself is channel-neutral (scheduler.daily), shared with Telegram's /case.
"""

from scheduler.daily import FOOTER, TodaysWarning, forwardable

__all__ = ["FOOTER", "TodaysWarning", "forwardable"]
