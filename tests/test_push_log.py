"""The push log: one claim per (channel, group, local date), whoever asks and however often."""

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from storage import push_log, subscriptions
from storage.db import open_db

DAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture()
def db_path(tmp_path):
    return tmp_path / "fanzha.db"


@pytest.fixture()
def db(db_path):
    return open_db(db_path)


def status(db, target="-100", day=DAY):
    record = push_log.get(db, "telegram", target, day)
    return record.status if record else None


def test_claim_is_granted_once(db):
    assert push_log.claim(db, "telegram", "-100", DAY, "case_a", now=T0)
    assert not push_log.claim(db, "telegram", "-100", DAY, "case_b", now=T0)
    assert push_log.get(db, "telegram", "-100", DAY).case_id == "case_a"


def test_claims_are_per_group_day_and_channel(db):
    assert push_log.claim(db, "telegram", "-100", DAY, "a")
    assert push_log.claim(db, "telegram", "-100", DAY + timedelta(days=1), "a")
    assert push_log.claim(db, "telegram", "-200", DAY, "a")
    assert push_log.claim(db, "wecom", "-100", DAY, "a")


def test_two_processes_racing_get_one_claim_each_day(db_path):
    """Two connections (as two processes would have) claim the same 50 days at the same moment."""
    open_db(db_path)  # migrate once up front
    wins: list[list[date]] = [[], []]
    barrier = threading.Barrier(2)

    def contender(k: int) -> None:
        conn = open_db(db_path)
        barrier.wait()
        for n in range(50):
            day = DAY + timedelta(days=n)
            if push_log.claim(conn, "telegram", "-100", day, f"case_{k}"):
                wins[k].append(day)

    threads = [threading.Thread(target=contender, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins[0] + wins[1]) == [DAY + timedelta(days=n) for n in range(50)]
    assert not set(wins[0]) & set(wins[1])


# (what happened to the claim, whether a later claim may take it over)
@pytest.mark.parametrize("finish, reclaimable", [
    (lambda db: push_log.mark_sent(db, "telegram", "-100", DAY), False),
    (lambda db: push_log.mark_failed(db, "telegram", "-100", DAY, "forbidden"), False),
    (lambda db: push_log.release(db, "telegram", "-100", DAY, "network down"), True),
    (lambda db: None, False),  # still claimed, lease not expired
], ids=["sent", "failed", "released", "in-flight"])
def test_what_may_be_claimed_again(db, finish, reclaimable):
    push_log.claim(db, "telegram", "-100", DAY, "a", now=T0)
    finish(db)
    assert push_log.claim(db, "telegram", "-100", DAY, "a", now=T0 + timedelta(minutes=1),
                          stale_before=T0 - timedelta(minutes=10)) is reclaimable


def test_released_claim_is_taken_exactly_once(db):
    push_log.claim(db, "telegram", "-100", DAY, "a", now=T0)
    push_log.release(db, "telegram", "-100", DAY, "network down")
    assert push_log.claim(db, "telegram", "-100", DAY, "a")
    assert not push_log.claim(db, "telegram", "-100", DAY, "a")
    assert push_log.get(db, "telegram", "-100", DAY).attempts == 2


@pytest.mark.parametrize("claimed_minutes_ago, lease_minutes, taken", [
    (11, 10, True), (9, 10, False), (10, 10, False),
], ids=["orphan", "fresh", "lease-edge"])
def test_orphaned_claim_is_resumed_after_its_lease(db, claimed_minutes_ago, lease_minutes, taken):
    now = T0 + timedelta(minutes=claimed_minutes_ago)
    push_log.claim(db, "telegram", "-100", DAY, "a", now=T0)
    assert push_log.claim(db, "telegram", "-100", DAY, "a", now=now,
                          stale_before=now - timedelta(minutes=lease_minutes)) is taken


def test_touch_renews_the_lease(db):
    push_log.claim(db, "telegram", "-100", DAY, "a", now=T0)
    push_log.touch(db, "telegram", "-100", DAY, now=T0 + timedelta(minutes=8))
    now = T0 + timedelta(minutes=11)
    assert not push_log.claim(db, "telegram", "-100", DAY, "a", now=now, stale_before=now - timedelta(minutes=10))


def test_skipped_day_is_recorded_once_and_can_be_pushed_by_hand(db):
    assert push_log.skip(db, "telegram", "-100", DAY, "", "missed", now=T0)
    assert not push_log.skip(db, "telegram", "-100", DAY, "", "missed", now=T0)
    assert status(db) == "skipped"
    assert push_log.claim(db, "telegram", "-100", DAY, "case_a")  # `fanzha push --now`
    assert push_log.get(db, "telegram", "-100", DAY).case_id == "case_a"


def test_marks_only_apply_to_a_held_claim(db):
    push_log.claim(db, "telegram", "-100", DAY, "a")
    push_log.mark_sent(db, "telegram", "-100", DAY)
    push_log.release(db, "telegram", "-100", DAY, "late cancel")  # must not undo a delivery
    assert status(db) == "sent"


def test_history_lists_what_the_group_received(db):
    for n, (case, finish) in enumerate([("a", push_log.mark_sent), ("b", None), ("c", push_log.release),
                                        ("d", push_log.mark_failed)]):
        day = DAY + timedelta(days=n)
        push_log.claim(db, "telegram", "-100", day, case)
        if finish is push_log.mark_sent:
            finish(db, "telegram", "-100", day)
        elif finish is not None:
            finish(db, "telegram", "-100", day, "x")
    push_log.claim(db, "telegram", "-200", DAY, "z")
    # sent and still-claimed (maybe delivered) count; released and failed were not delivered
    assert push_log.history(db, "telegram", "-100", DAY) == [(DAY, "a"), (DAY + timedelta(days=1), "b")]
    assert push_log.history(db, "telegram", "-100", DAY + timedelta(days=1)) == [(DAY + timedelta(days=1), "b")]


def test_on_dates_reads_a_whole_day_at_once(db):
    for target in ("-1", "-2"):
        push_log.claim(db, "telegram", target, DAY, "a")
    push_log.claim(db, "telegram", "-3", DAY - timedelta(days=1), "a")
    rows = push_log.on_dates(db, "telegram", {DAY})
    assert sorted(rows) == [("-1", str(DAY)), ("-2", str(DAY))]


def test_ledger_migration_moves_the_claim_and_the_subscription(db):
    subscriptions.subscribe(db, "telegram", "-100", by="1", send_time="09:00", timezone="Asia/Shanghai")
    ledger = push_log.PushLedger(db, "telegram")
    assert ledger.claim("-100", str(DAY), "a")
    ledger.migrate("-100", "-100999")
    ledger.mark_sent("-100999", str(DAY))
    assert status(db, "-100999") == "sent" and status(db, "-100") is None
    assert subscriptions.get(db, "telegram", "-100999").active


def test_ledger_deactivate_stops_the_subscription(db):
    subscriptions.subscribe(db, "telegram", "-100", by="1", send_time="09:00", timezone="Asia/Shanghai")
    push_log.PushLedger(db, "telegram").deactivate("-100")
    assert not subscriptions.get(db, "telegram", "-100").active
