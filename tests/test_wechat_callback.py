"""The 公众号 callback, end to end: FakeWeChat signs, encrypts and posts; the REAL dialogue answers.

Tables of named cases: URL verification, the message-type table, requests that must be
refused before they reach the dialogue, and the conversation features residents rely on
(paging with 「更多」, numbered options, traditional script, 「今日预警」, privacy).
"""

import logging
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.wechat import texts
from bot.wechat.answers import Responder
from bot.wechat.app import CallbackSettings, ThreadedAnswerer, make_app
from bot.wechat.forward import FOOTER
from storage.db import user_key
from tests.support.wechat_fake import (ACCOUNT, AES_KEY, APP_ID, OLD_AES_KEY, TOKEN, CountingAnswerer,
                                       FakeWeChat, forbid_tencent_hosts, make_service, message_xml, sign)

SCAM = "有人打电话说我涉嫌洗钱，要我把存款转到安全账户配合调查"
SCAM_HANT = "有人打電話說我涉嫌洗錢，要我把存款轉到安全帳戶配合調查"


@pytest.fixture(autouse=True)
def _no_tencent(monkeypatch):
    forbid_tencent_hosts(monkeypatch)


@pytest.fixture(scope="module")
def service(brain, tmp_path_factory):
    """One database for the module (each test talks as its own followers), to keep the suite quick."""
    return make_service(brain, tmp_path_factory.mktemp("wechat") / "wechat.db")


async def serve(service, *, mode="safe", keys=(AES_KEY, OLD_AES_KEY), budget=2000, token=TOKEN):
    """The app over the real dialogue. The deadline is generous: these tests are about content,
    not timing (test_wechat_retries covers the deadline), and must not flake on a busy machine."""
    answerer = CountingAnswerer(ThreadedAnswerer(Responder(service, budget)))
    settings = CallbackSettings(token=token, app_id=APP_ID, aes_keys=tuple(keys), mode=mode, deadline_seconds=30)
    client = TestClient(TestServer(make_app(settings, answerer)))
    await client.start_server()
    return client, answerer


@pytest.fixture
async def app(service):
    client, answerer = await serve(service, mode="compat")
    yield FakeWeChat(client), answerer
    await client.close()


@pytest.fixture
async def wechat(app):
    return app[0]


def options(text: str) -> dict[str, str]:
    """'回复 2 我已经转账了' lines → {label: digit}."""
    return {label: n for n, label in re.findall(r"^回[复覆] (\d+) (.+)$", text, flags=re.M)}


def size(text: str) -> int:
    return len(text.encode("utf-8"))


# --- URL verification --------------------------------------------------------------------------

@pytest.mark.parametrize("echostr", [
    pytest.param("4375120948345356249", id="digits, as WeChat sends"),
    pytest.param("abc+/=?&中文 x", id="characters that need URL encoding"),
    pytest.param("", id="empty"),
])
async def test_right_signature_echoes_echostr_byte_for_byte(wechat, echostr):
    status, body = await wechat.verify_url(echostr)
    assert (status, body) == (200, echostr.encode("utf-8"))


@pytest.mark.parametrize("query", [
    pytest.param({"signature": "0" * 40}, id="wrong signature"),
    pytest.param({"signature": ""}, id="missing signature"),
    pytest.param({"timestamp": "1"}, id="timestamp changed after signing"),
])
async def test_wrong_signature_is_403(wechat, query):
    status, body = await wechat.verify_url("4375120948345356249", **query)
    assert status == 403 and b"4375120948345356249" not in body


async def test_official_url_verification_vector(service):
    client, _ = await serve(service, token="AAAAA")
    try:
        resp = await client.get("/wechat", params={"signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
                                                   "timestamp": "1714036504", "nonce": "1514711492",
                                                   "echostr": "4375120948345356249"})
        assert (resp.status, await resp.read()) == (200, b"4375120948345356249")
    finally:
        await client.close()


# --- the message-type table --------------------------------------------------------------------

MESSAGE_TABLE = [
    pytest.param(("text", {"Content": SCAM}), lambda t: "冒充公检法" in t, id="text: the dialogue answers"),
    pytest.param(("voice", {"MediaId": "m1", "Format": "amr", "Recognition": SCAM}), lambda t: "冒充公检法" in t,
                 id="voice with Recognition: answered as text"),
    pytest.param(("voice", {"MediaId": "m1", "Format": "amr", "Recognition": ""}), lambda t: t == texts.VOICE_UNRECOGNISED,
                 id="voice without Recognition: ask to type"),
    pytest.param(("voice", {"MediaId": "m1", "Format": "amr"}), lambda t: t == texts.VOICE_UNRECOGNISED,
                 id="voice, recognition not enabled: ask to type"),
    pytest.param(("image", {"PicUrl": "http://example.invalid/a.jpg", "MediaId": "m2"}), lambda t: t == texts.IMAGE,
                 id="image: guidance"),
    pytest.param(("video", {"MediaId": "m3", "ThumbMediaId": "t3"}), lambda t: t == texts.VIDEO, id="video: guidance"),
    pytest.param(("shortvideo", {"MediaId": "m4", "ThumbMediaId": "t4"}), lambda t: t == texts.VIDEO,
                 id="short video: guidance"),
    pytest.param(("location", {"Location_X": "31.2", "Location_Y": "121.5", "Scale": "15", "Label": "某地"}),
                 lambda t: t == texts.LOCATION, id="location: guidance"),
    pytest.param(("link", {"Title": "领取补贴", "Description": "点击领取", "Url": "http://example.invalid"}),
                 lambda t: t == texts.LINK, id="link: guidance, do not open it"),
    pytest.param(("miniprogrampage", {"Title": "x"}), lambda t: t == texts.OTHER, id="unknown type: guidance"),
    pytest.param(("event", {"Event": "subscribe"}), lambda t: t.startswith(texts.WELCOME) and "回复 1" in t,
                 id="subscribe: welcome with numbered options"),
    pytest.param(("event", {"Event": "CLICK", "EventKey": "防骗要点"}), lambda t: "三不一要" in t,
                 id="menu click: the key as text"),
    pytest.param(("event", {"Event": "VIEW", "EventKey": "http://example.invalid"}), lambda t: t == "",
                 id="other events: success, no reply"),
]


@pytest.mark.parametrize("safe", [True, False], ids=["safe mode", "plain mode"])
@pytest.mark.parametrize("message, expect", MESSAGE_TABLE)
async def test_message_types(wechat, message, expect, safe):
    msg_type, fields = message
    reply = await wechat.post(message_xml(msg_type, "oUser1", **fields), safe=safe)
    assert reply.status == 200
    assert expect(reply.text), reply.text
    assert size(reply.text) <= 2000


async def test_unsubscribe_forgets_the_follower(wechat, service):
    await wechat.say("oLeaving", SCAM)
    key = user_key("wechat", "oLeaving")
    assert service.db["questions"].count_where("user_key = ?", [key]) == 1
    reply = await wechat.post(message_xml("event", "oLeaving", Event="unsubscribe"))
    assert reply.success
    assert service.db["questions"].count_where("user_key = ?", [key]) == 0
    assert service.db["conversations"].count_where("key = ?", [key]) == 0


# --- refused before the dialogue ---------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;">]>'
                  '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType>'
                  '<Content>&b;</Content><MsgId>1</MsgId></xml>')
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType>'
                   '<Content>&x;</Content><MsgId>2</MsgId></xml>')
GOOD = message_xml("text", "oAttacker", Content="你好")


def _plain(wx, body=GOOD, **query):
    params = {**wx.query(), **query}
    return body, params


def _encrypted(wx, xml=GOOD, aes_key=None, app_id=None, **query):
    params = wx.query()
    body, msg_signature = wx.envelope(xml, params["timestamp"], params["nonce"], aes_key, app_id)
    params.update({"encrypt_type": "aes", "msg_signature": msg_signature, **query})
    return body, params


REJECTIONS = [
    pytest.param(lambda wx: _plain(wx, signature="0" * 40), 403, id="wrong signature"),
    pytest.param(lambda wx: _plain(wx, signature=""), 403, id="no signature"),
    pytest.param(lambda wx: _encrypted(wx, msg_signature="0" * 40), 403, id="wrong msg_signature"),
    pytest.param(lambda wx: _encrypted(wx, app_id="wxNOTOURS000000000"), 400, id="ciphertext for another AppID"),
    pytest.param(lambda wx: _encrypted(wx, aes_key="Q" * 43), 400, id="ciphertext under an unknown key"),
    pytest.param(lambda wx: _encrypted(wx, xml=BILLION_LAUGHS), 400, id="encrypted DTD with entities"),
    pytest.param(lambda wx: _plain(wx, BILLION_LAUGHS), 400, id="DTD with nested entities (billion laughs)"),
    pytest.param(lambda wx: _plain(wx, EXTERNAL_ENTITY), 400, id="external entity"),
    pytest.param(lambda wx: _plain(wx, "<xml><ToUserName>gh</ToUserName"), 400, id="malformed XML"),
    pytest.param(lambda wx: _plain(wx, '{"MsgType": "text"}'), 400, id="not XML at all"),
    pytest.param(lambda wx: _plain(wx, GOOD.replace("<xml>", "<msg>").replace("</xml>", "</msg>")), 400,
                 id="root is not <xml>"),
    pytest.param(lambda wx: _plain(wx, re.sub(r"<MsgType>.*?</MsgType>", "", GOOD)), 400, id="no MsgType"),
    pytest.param(lambda wx: _plain(wx, GOOD.replace("你好", "您好").encode("gbk")), 400, id="GBK, not UTF-8"),
    pytest.param(lambda wx: _plain(wx, b"\xff\xfe<\x00x\x00"), 400, id="UTF-16 bytes"),
    pytest.param(lambda wx: _plain(wx, message_xml("text", "o", Content="骗" * 100_000)), 413,
                 id="100k-character Content: over max_body_bytes"),
    pytest.param(lambda wx: _encrypted(wx, xml=message_xml("text", "o", Content="a" * 70_000)), 413,
                 id="encrypted body over max_body_bytes"),
    pytest.param(lambda wx: ("<xml><ToUserName>gh</ToUserName></xml>", {**wx.query(), "encrypt_type": "aes",
                                                                        "msg_signature": "0" * 40}),
                 400, id="encrypt_type=aes without Encrypt"),
    pytest.param(lambda wx: _plain(wx, timestamp="abc", nonce="1", signature=sign("abc", "1")), 400,
                 id="signed but non-numeric timestamp"),
]


@pytest.mark.parametrize("build, status", REJECTIONS)
async def test_bad_requests_never_reach_the_dialogue(app, build, status):
    wechat, answerer = app
    body, params = build(wechat)
    resp = await wechat.post_raw(body, params)
    assert resp.status == status
    assert answerer.calls == []


@pytest.mark.parametrize("mode, safe", [
    pytest.param("safe", False, id="plaintext POST to a safe-mode server"),
    pytest.param("plain", True, id="encrypted POST to a plain-mode server"),
])
async def test_the_configured_mode_is_enforced(service, mode, safe):
    client, answerer = await serve(service, mode=mode, keys=(AES_KEY,) if mode != "plain" else ())
    try:
        reply = await FakeWeChat(client).say("oUser", SCAM, safe=safe)
        assert reply.status == 400 and answerer.calls == []
    finally:
        await client.close()


async def test_plain_mode_server_needs_no_key(service):
    client, _ = await serve(service, mode="plain", keys=())
    try:
        reply = await FakeWeChat(client, safe=False).say("oUser", SCAM)
        assert reply.status == 200 and "冒充公检法" in reply.text
    finally:
        await client.close()


async def test_previous_key_still_works_during_rotation(wechat):
    reply = await wechat.say("oUser", SCAM, aes_key=OLD_AES_KEY)  # FakeWeChat decrypts the reply with it too
    assert reply.status == 200 and "冒充公检法" in reply.text


async def test_reply_is_addressed_back_to_the_sender(wechat):
    import xmltodict
    from wechatpy.crypto import WeChatCrypto

    params = wechat.query()
    body, msg_signature = wechat.envelope(message_xml("text", "oAddr", Content="你好"), params["timestamp"], params["nonce"])
    params.update(encrypt_type="aes", msg_signature=msg_signature)
    resp = await wechat.post_raw(body, params)
    raw = (await resp.read()).decode()
    env = xmltodict.parse(raw)["xml"]
    inner = xmltodict.parse(WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        raw, env["MsgSignature"], params["timestamp"], params["nonce"]))["xml"]
    assert (inner["ToUserName"], inner["FromUserName"], inner["MsgType"]) == ("oAddr", ACCOUNT, "text")
    assert resp.headers["Content-Type"].startswith("application/xml")


# --- conversation features ---------------------------------------------------------------------

async def test_long_reply_pages_with_more_and_never_reruns_the_matcher(service, monkeypatch):
    client, _ = await serve(service, budget=600)
    matcher = service.dialogue.brain.brain.matcher
    calls = []
    real = matcher.match
    monkeypatch.setattr(matcher, "match", lambda text, *a, **k: calls.append(text) or real(text, *a, **k))
    try:
        wechat = FakeWeChat(client)
        first = await wechat.say("oPager", SCAM)
        pages = [first.text]
        assert options(first.text).get("更多") == "1"
        while "更多" in options(pages[-1]):
            word = "更多" if len(pages) % 2 else options(pages[-1])["更多"]  # the word or its digit
            pages.append((await wechat.say("oPager", word)).text)
            assert len(pages) < 20
        assert len(pages) >= 3
        assert all(size(p) <= 600 for p in pages)
        assert calls.count(SCAM) == 1  # later pages come from the user's state, not a new match
    finally:
        await client.close()


async def test_default_budget_keeps_every_reply_under_2000_bytes(wechat):
    reply = await wechat.say("oBudget", SCAM)
    assert size(reply.text) <= 2000
    if "更多" in options(reply.text):
        rest = await wechat.say("oBudget", "更多")
        assert size(rest.text) <= 2000 and rest.text


async def test_a_digit_selects_that_users_option(wechat):
    first = await wechat.say("oDigit", SCAM)
    paid = options(first.text)["我已经转账了"]
    urgent = await wechat.say("oDigit", paid)
    assert "110" in urgent.text and "别慌" in urgent.text
    other = await wechat.say("oSomeoneElse", paid)  # no options of their own: just a number
    assert "别慌" not in other.text


async def test_traditional_question_gets_a_traditional_reply(wechat):
    reply = await wechat.say("oHant", SCAM_HANT)
    assert "詐騙" in reply.text and "诈骗" not in reply.text
    assert "回覆 1" in reply.text


@pytest.mark.parametrize("ask", ["今日预警", "今日預警", "今日预警！", " 每日提醒 "])
async def test_todays_warning_is_ready_to_forward(wechat, ask):
    reply = await wechat.say("oFamilyAdmin", ask)
    assert reply.text.startswith(("【反诈每日提醒】", "【反詐每日提醒】"))
    assert reply.text.rstrip().endswith(("转给家里人看看，一起防骗。", "轉給家裡人看看，一起防騙。"))
    assert "回复 1" not in reply.text  # nothing to strip before forwarding
    if ask == "今日預警":
        assert "反詐" in reply.text


async def test_everyone_gets_the_same_warning_on_a_day(wechat):
    a = await wechat.say("oA", "今日预警")
    b = await wechat.say("oB", "今日预警")
    assert a.text == b.text and FOOTER in a.text


async def test_nothing_of_residents_text_or_ids_is_logged_or_stored(wechat, service, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "我的手机13812345678有人让我转账到安全账户"
    await wechat.say("oPrivateOpenId42", marker)
    await wechat.post(message_xml("event", "oPrivateOpenId42", Event="subscribe"))
    await wechat.post_raw("<xml>broken", {**wechat.query(), "signature": "0" * 40})
    assert "13812345678" not in caplog.text and "oPrivateOpenId42" not in caplog.text
    assert "wechat:" in caplog.text  # the channel does log (type, outcome, latency)
    dump = "\n".join(service.db.iterdump())
    assert "13812345678" not in dump and "oPrivateOpenId42" not in dump
    assert user_key("wechat", "oPrivateOpenId42") in dump


async def test_pages_waiting_for_more_hold_no_identifiers(service):
    client, _ = await serve(service, budget=300)
    try:
        first = await FakeWeChat(client).say("oPagedPhone", "有人打电话13912345678说我涉嫌洗钱，要我把钱转到安全账户")
        assert "更多" in options(first.text)
        assert "13912345678" not in "\n".join(service.db.iterdump())
    finally:
        await client.close()
