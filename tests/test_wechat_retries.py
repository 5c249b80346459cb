"""WeChat's 5-second, 3-retry rule: duplicates share one answer, a slow answer goes out on the retry.

The dialogue is the REAL one behind the real threaded answerer; slowness is injected by a
wrapper that holds each call until an asyncio.Event is set — no sleeps, so the outcome never
depends on the machine's speed. (The deadline itself is real time: 0.05 s when we want the
first delivery to miss it, 30 s when we do not.)
"""

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.wechat import texts
from bot.wechat.answers import Responder
from bot.wechat.app import CALLBACK_KEY, CallbackSettings, ThreadedAnswerer, make_app
from bot.wechat.dedupe import AnswerBook
from tests.support.wechat_fake import (AES_KEY, APP_ID, TOKEN, CountingAnswerer, FakeWeChat,
                                       forbid_tencent_hosts, make_service, message_xml)

SCAM = "网上兼职刷单，对方让我先垫付500元做任务，说完成后返佣金"


@pytest.fixture(autouse=True)
def _no_tencent(monkeypatch):
    forbid_tencent_hosts(monkeypatch)


@pytest.fixture
def service(brain, tmp_path):
    return make_service(brain, tmp_path / "retries.db")


@pytest.fixture
async def harness(service, request):
    """(FakeWeChat, CountingAnswerer with a closed gate, the app's AnswerBook); deadline via param."""
    deadline = getattr(request, "param", 30.0)
    gate = asyncio.Event()
    answerer = CountingAnswerer(ThreadedAnswerer(Responder(service)), gate)
    app = make_app(CallbackSettings(TOKEN, APP_ID, (AES_KEY,), deadline_seconds=deadline), answerer)
    async with TestClient(TestServer(app)) as client:
        yield FakeWeChat(client), answerer, gate, app[CALLBACK_KEY].book


def questions(service) -> int:
    return service.db["questions"].count


@pytest.mark.parametrize("harness", [0.05], indirect=True)
async def test_slow_answer_goes_out_on_the_retry_and_the_dialogue_runs_once(harness, service):
    wechat, answerer, gate, book = harness
    xml = message_xml("text", "oSlow", msg_id="5001", Content=SCAM)
    first = await wechat.post(xml)  # the dialogue is held: the deadline passes
    assert first.status == 200 and first.success
    gate.set()
    await asyncio.wait_for(answerer.finished.wait(), 30)  # the answer is ready before WeChat retries
    retry = await wechat.post(xml)  # WeChat's retry: same MsgId, new timestamp and nonce
    assert "刷单" in retry.text
    third = await wechat.post(xml)
    assert third.text == retry.text
    assert answerer.calls == ["msg:5001"]
    assert questions(service) == 1


async def test_concurrent_deliveries_share_one_in_flight_answer(harness, service):
    wechat, answerer, gate, book = harness
    xml = message_xml("text", "oTwice", msg_id="5002", Content=SCAM)
    first = asyncio.create_task(wechat.post(xml))
    await answerer.entered.wait()
    second = asyncio.create_task(wechat.post(xml))
    await asyncio.wait_for(joined(book), 10)  # the second delivery is waiting on the same answer
    gate.set()
    a, b = await asyncio.gather(first, second)
    assert a.text == b.text and "刷单" in a.text
    assert answerer.calls == ["msg:5002"]
    assert questions(service) == 1


async def joined(book: AnswerBook) -> None:
    while book.joins == 0:
        await asyncio.sleep(0)


async def test_same_msgid_is_answered_once_even_when_sent_later(harness, service):
    wechat, answerer, gate, _ = harness
    gate.set()
    xml = message_xml("text", "oDup", msg_id="5003", Content=SCAM)
    replies = [await wechat.post(xml) for _ in range(3)]
    assert len({r.text for r in replies}) == 1
    assert answerer.calls == ["msg:5003"]


@pytest.mark.parametrize("second, runs", [
    pytest.param(dict(create_time=1700000000), 1, id="same sender, time and event: a retry"),
    pytest.param(dict(create_time=1700000001), 2, id="a second later: a new event"),
])
async def test_events_dedupe_on_sender_time_and_event(harness, second, runs):
    wechat, answerer, gate, _ = harness
    gate.set()
    await wechat.post(message_xml("event", "oEvt", create_time=1700000000, Event="subscribe"))
    await wechat.post(message_xml("event", "oEvt", Event="subscribe", **second))
    assert len(answerer.calls) == runs


async def test_different_messages_are_not_merged(harness):
    wechat, answerer, gate, _ = harness
    gate.set()
    await wechat.post(message_xml("text", "oA", msg_id="6001", Content=SCAM))
    await wechat.post(message_xml("text", "oB", msg_id="6002", Content=SCAM))
    assert answerer.calls == ["msg:6001", "msg:6002"]


async def test_a_failed_answer_apologises_and_the_retry_tries_again(service):
    calls = []

    async def broken(msg):
        calls.append(msg.dedupe_key)
        raise RuntimeError("boom")

    app = make_app(CallbackSettings(TOKEN, APP_ID, (AES_KEY,)), broken)
    async with TestClient(TestServer(app)) as client:
        wechat = FakeWeChat(client)
        xml = message_xml("text", "oBroken", msg_id="7001", Content=SCAM)
        assert (await wechat.post(xml)).text == texts.BROKEN
        assert (await wechat.post(xml)).text == texts.BROKEN
    assert calls == ["msg:7001", "msg:7001"]


# --- the AnswerBook on its own (fake clock) ----------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _value(v):
    return v


async def test_answers_expire_after_ttl():
    clock = FakeClock()
    book = AnswerBook(ttl=60, max_entries=100, clock=clock)
    assert (await book.answer("k", lambda: _value("one"), 1)).value == "one"
    clock.now = 59
    assert (await book.answer("k", lambda: _value("two"), 1)).value == "one"
    clock.now = 61
    assert (await book.answer("k", lambda: _value("three"), 1)).value == "three"
    assert book.started == 2


async def test_the_book_is_bounded():
    book = AnswerBook(ttl=600, max_entries=100, clock=FakeClock())
    for i in range(250):
        await book.answer(f"k{i}", lambda i=i: _value(i), 1)
    assert len(book) == 100
    assert (await book.answer("k249", lambda: _value("again"), 1)).value == 249  # newest kept
    assert (await book.answer("k0", lambda: _value("again"), 1)).value == "again"  # oldest dropped
