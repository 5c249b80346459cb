"""Hot reload of the catalogue in a running process: control file, SIGHUP, operator command.

The protocol, between `fanzha kb reload` (the requester) and a running bot (the watcher):

* The requester writes a fresh token into ``[maintenance] reload_file`` and, when the pid in
  ``pid_file`` is verifiably the running bot, sends it SIGHUP so it does not wait for the poll.
* The watcher notices the signal or the changed file, calls ``BrainHolder.reload()`` and writes
  the outcome, with the token it answered, to ``<reload_file>.status`` (JSON). The requester
  waits for its token there and prints what happened.
* A catalogue that fails validation is refused: the error is logged, the status says so, and
  the brain in service stays (``BrainHolder`` swaps only a validated one).

Channel-neutral: the Telegram glue (job, /reload) is in ``bot.telegram_bot.operator``.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.brain import BrainHolder
from knowledge.catalogue import CatalogueError
from storage.db import now_iso

logger = logging.getLogger(__name__)

SIGHUP = getattr(signal, "SIGHUP", None)  # absent on Windows: the control file still works


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did: swapped (ok) or refused with the validation problems."""

    ok: bool
    trigger: str  # "control file", "SIGHUP", "telegram /reload" ...
    at: str
    entries: int = 0
    problems: tuple[str, ...] = ()
    request: str = ""  # the token of the `fanzha kb reload` this answers ("" if none)
    pid: int = field(default_factory=os.getpid)

    def summary(self) -> str:
        """One line for logs and the command line."""
        if self.ok:
            return f"reloaded: {self.entries} entries in service (pid {self.pid}, {self.trigger})"
        return (f"refused: the new catalogue has {len(self.problems)} problem(s); "
                f"the catalogue in service stays (pid {self.pid}, {self.trigger})")

    def to_json(self) -> str:
        """The status-file form."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ReloadOutcome:
        """Parse the status-file form (ValueError/TypeError/KeyError if it is not one)."""
        raw = json.loads(text)
        return cls(ok=bool(raw["ok"]), trigger=str(raw["trigger"]), at=str(raw["at"]),
                   entries=int(raw.get("entries", 0)), problems=tuple(raw.get("problems", ())),
                   request=str(raw.get("request", "")), pid=int(raw.get("pid", 0)))


def status_path(reload_file: Path) -> Path:
    """Where the watcher writes the outcome of the last reload."""
    return reload_file.with_name(reload_file.name + ".status")


def _write_atomically(path: Path, text: str) -> None:
    # A reader never sees half a file: write aside, then rename over.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# --------------------------------------------------------------------------- process identity


def process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux /proc), or None where that cannot be read.

    Stored next to the pid so a pid reused by an unrelated process is never signalled: SIGHUP's
    default action would terminate it.
    """
    stat = _read(Path(f"/proc/{pid}/stat"))
    if not stat or ")" not in stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if len(fields) > 19 else None  # field 22 of stat; 2 fields precede ")"


def running_pid(pid_file: Path) -> tuple[int | None, str]:
    """The pid of the running bot named in `pid_file` if it can be verified, and why not otherwise."""
    text = _read(pid_file)
    if text is None:
        return None, f"no pid file {pid_file} (is the bot running here?)"
    try:
        raw = json.loads(text)
        pid, start = int(raw["pid"]), str(raw["start"])
    except (ValueError, TypeError, KeyError):
        return None, f"{pid_file} is not a fanzha pid file"
    now_start = process_start(pid)
    if now_start is None:
        return None, f"pid {pid} from {pid_file} is not running (or cannot be checked here)"
    if now_start != start:
        return None, f"{pid_file} is stale: pid {pid} is now another process"
    return pid, ""


# --------------------------------------------------------------------------- requester side


@dataclass(frozen=True)
class ReloadRequest:
    """What `request_reload` did."""

    token: str
    reload_file: Path
    pid: int | None  # the bot that was signalled, if any
    note: str  # why no signal was sent ("" if one was)


def request_reload(reload_file: Path, pid_file: Path) -> ReloadRequest:
    """Ask running bots to reload: write a new token to `reload_file`, SIGHUP the verified pid."""
    token = secrets.token_hex(8)
    _write_atomically(reload_file, f"{token} {now_iso()}\n")
    pid, note = running_pid(pid_file)
    if pid is not None and SIGHUP is None:
        pid, note = None, "this system has no SIGHUP"
    if pid is not None:
        os.kill(pid, SIGHUP)
    return ReloadRequest(token=token, reload_file=reload_file, pid=pid, note=note)


def wait_for_outcome(reload_file: Path, token: str, timeout: float,
                     sleep: Callable[[float], None] = time.sleep) -> ReloadOutcome | None:
    """The outcome a watcher wrote for `token`, waiting up to `timeout` seconds; None if none came."""
    deadline = time.monotonic() + timeout
    while True:
        text = _read(status_path(reload_file))
        if text:
            try:
                outcome = ReloadOutcome.from_json(text)
            except (ValueError, TypeError, KeyError):
                outcome = None
            if outcome is not None and outcome.request == token:
                return outcome
        if time.monotonic() >= deadline:
            return None
        sleep(0.1)


# --------------------------------------------------------------------------- watcher side


class ReloadWatcher:
    """Reloads the brain when asked: by the control file, by SIGHUP, or directly (/reload).

    `poll()` is cheap (one stat and one small read) and is meant to be called every few seconds
    by the process's scheduler; reloads themselves are serialised so two triggers at once load
    the catalogue once each, never interleaved.
    """

    def __init__(self, holder: BrainHolder, reload_file: Path, pid_file: Path | None = None):
        self.holder = holder
        self.reload_file = Path(reload_file)
        self.pid_file = Path(pid_file) if pid_file else None
        self._signalled = threading.Event()
        self._lock = threading.Lock()
        # A request file left from an earlier run is not a request to this one: it just loaded.
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, str] | None:
        try:
            mtime = self.reload_file.stat().st_mtime_ns
        except OSError:
            return None
        return mtime, _read(self.reload_file) or ""

    def reload(self, trigger: str) -> ReloadOutcome:
        """Reload now; a catalogue that fails validation is refused and the old one stays."""
        with self._lock:
            stamp = self._stamp()
            request = (stamp[1].split() or [""])[0] if stamp else ""
            try:
                brain = self.holder.reload()
            except CatalogueError as exc:
                outcome = ReloadOutcome(ok=False, trigger=trigger, at=now_iso(),
                                        problems=tuple(exc.problems), request=request)
                logger.error("catalogue reload refused (%s); the catalogue in service stays:\n%s",
                             trigger, "\n".join(f"  - {p}" for p in exc.problems))
            else:
                outcome = ReloadOutcome(ok=True, trigger=trigger, at=now_iso(),
                                        entries=len(brain.catalogue.entries), request=request)
                logger.info("catalogue %s", outcome.summary())
            self._seen = stamp
            try:
                _write_atomically(status_path(self.reload_file), outcome.to_json())
            except OSError as exc:  # the reload itself happened; only the report is lost
                logger.warning("cannot write %s: %s", status_path(self.reload_file), exc)
            return outcome

    def poll(self) -> ReloadOutcome | None:
        """Reload if SIGHUP arrived or the control file changed since the last look; else None."""
        if self._signalled.is_set():
            self._signalled.clear()
            return self.reload("SIGHUP")
        stamp = self._stamp()
        if stamp is not None and stamp != self._seen:
            return self.reload("control file")
        return None

    def on_sighup(self, *_: object) -> None:
        """Signal handler: only flags the request (a handler must not load files or take locks)."""
        self._signalled.set()

    def install_sighup(self) -> bool:
        """Route SIGHUP to `on_sighup` (main thread, POSIX only); False where that is impossible."""
        if SIGHUP is None or threading.current_thread() is not threading.main_thread():
            return False
        signal.signal(SIGHUP, self.on_sighup)
        return True

    def write_pid_file(self) -> None:
        """Announce this process (pid and start time) for `fanzha kb reload`; removed at exit."""
        if self.pid_file is None:
            return
        start = process_start(os.getpid())
        if start is None:  # cannot be verified by a requester, so it would never be signalled
            return
        _write_atomically(self.pid_file, json.dumps({"pid": os.getpid(), "start": start}))
        atexit.register(self.remove_pid_file)

    def remove_pid_file(self) -> None:
        """Remove the pid file if it is still ours (another bot may have taken it over)."""
        if self.pid_file is None:
            return
        pid, _ = running_pid(self.pid_file)
        if pid == os.getpid():
            self.pid_file.unlink(missing_ok=True)
