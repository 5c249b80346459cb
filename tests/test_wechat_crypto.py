"""The crypto adapter against Tencent's published test vectors, and against wechatpy as an oracle.

Vectors: 公众号 signatures from developers.weixin.qq.com (minigame message-push doc; subscription
encryption doc); the 企业微信 message and echostr vectors from Tencent's WXBizMsgCrypt samples
(developer.work.weixin.qq.com path/90968). The AES scheme is the same for 公众号 (receive id =
AppID) and WeCom (receive id = CorpID), so the WeCom vectors pin our 公众号 code too.
"""

import base64

import pytest
from wechatpy.crypto import WeChatCrypto

from bot.wechat.crypto import BadKey, DecryptError, MessageCipher, aes_key, sign, verify
from bot.wechat.messages import inbound, parse_fields

WECOM_TOKEN = "QDG6eK"
WECOM_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
WECOM_CORP = "wx5823bf96d3bd56c7"
WECOM_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
    "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZf"
    "JYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAV"
    "GUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3"
    "KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
WECOM_ECHOSTR = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="

SIGNATURE_VECTORS = [
    pytest.param("AAAAA", ("1714036504", "1514711492"), "f464b24fc39322e44b38aa78f5edd27bd1441696",
                 id="公众号 URL verification (message-push doc)"),
    pytest.param("AAAAA", ("1714037059", "486452656"), "899cf89e464efb63f54ddac96b0a0a235f53aa78",
                 id="公众号 POST signature (encryption doc)"),
    pytest.param(WECOM_TOKEN, ("1409659813", "1372623149", WECOM_ENCRYPT), "477715d11cdb4164915debcba66cb864d751f3e6",
                 id="WeCom message msg_signature"),
    pytest.param(WECOM_TOKEN, ("1409659589", "263014780", WECOM_ECHOSTR), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
                 id="WeCom URL echostr msg_signature"),
]


@pytest.mark.parametrize("token, parts, expected", SIGNATURE_VECTORS)
def test_official_signature_vectors(token, parts, expected):
    assert sign(token, *parts) == expected
    assert verify(token, expected, *parts)
    assert verify(token, expected.upper(), *parts)  # hex case does not matter


@pytest.mark.parametrize("token, parts, expected", SIGNATURE_VECTORS)
def test_any_change_breaks_the_signature(token, parts, expected):
    assert not verify(token, expected, *parts[:-1], parts[-1] + "1")
    assert not verify(token + "x", expected, *parts)
    assert not verify(token, "", *parts)
    assert not verify("", expected, *parts)


@pytest.mark.parametrize("encrypted, expected", [
    pytest.param(WECOM_ECHOSTR, "1616140317555161061", id="WeCom URL echostr"),
    pytest.param(WECOM_ENCRYPT, "<Content><![CDATA[hello]]></Content>", id="WeCom callback message"),
])
def test_official_decryption_vectors(encrypted, expected):
    opened = MessageCipher(WECOM_TOKEN, WECOM_CORP, [WECOM_KEY]).open(encrypted)
    assert expected in opened.xml
    assert opened.key_index == 0


def test_the_official_message_parses_into_a_message():
    opened = MessageCipher(WECOM_TOKEN, WECOM_CORP, [WECOM_KEY]).open(WECOM_ENCRYPT)
    msg = inbound(parse_fields(opened.xml))
    assert (msg.msg_type, msg.content, msg.from_user, msg.msg_id) == ("text", "hello", "mycreate", "4561255354251345929")
    assert msg.dedupe_key == "msg:4561255354251345929"


def test_a_message_for_another_receive_id_is_refused():
    with pytest.raises(DecryptError) as err:
        MessageCipher(WECOM_TOKEN, "wxSOMEONEELSE00000", [WECOM_KEY]).open(WECOM_ENCRYPT)
    assert err.value.wrong_app_id


NEW_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_seal_is_readable_by_wechatpy_with_the_same_key():
    cipher = MessageCipher("tok", "wxAPP", [NEW_KEY])
    encrypted, signature = cipher.seal("<xml><Content><![CDATA[你好]]></Content></xml>", "1700000000", "42")
    envelope = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    plain = WeChatCrypto("tok", NEW_KEY, "wxAPP").decrypt_message(envelope, signature, "1700000000", "42")
    assert "你好" in plain


def test_rotation_opens_with_the_previous_key_and_answers_with_it():
    oracle_old = WeChatCrypto("tok", WECOM_KEY, "wxAPP")
    sealed = oracle_old.encrypt_message("<xml><A>1</A></xml>", "7", "1700000000")
    encrypted = sealed.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    cipher = MessageCipher("tok", "wxAPP", [NEW_KEY, WECOM_KEY])
    opened = cipher.open(encrypted)
    assert opened.key_index == 1 and "<A>1</A>" in opened.xml
    reply, signature = cipher.seal("<xml><B>2</B></xml>", "1700000000", "7", opened.key_index)
    envelope = f"<xml><Encrypt><![CDATA[{reply}]]></Encrypt></xml>"
    assert "<B>2</B>" in oracle_old.decrypt_message(envelope, signature, "1700000000", "7")


@pytest.mark.parametrize("key", [
    pytest.param("", id="empty"),
    pytest.param("abc", id="too short"),
    pytest.param(NEW_KEY + "H", id="44 characters"),
    pytest.param("!" * 43, id="not base64"),
])
def test_malformed_keys_are_refused(key):
    with pytest.raises(BadKey):
        aes_key(key)


@pytest.mark.parametrize("encrypted", [
    pytest.param("not base64 at all!", id="not base64"),
    pytest.param(base64.b64encode(b"x" * 17).decode(), id="not a whole AES block"),
    pytest.param(base64.b64encode(bytes(range(64))).decode(), id="random blocks"),
    pytest.param("", id="empty"),
])
def test_garbage_ciphertext_is_one_clean_error(encrypted):
    with pytest.raises(DecryptError):
        MessageCipher("tok", "wxAPP", [NEW_KEY, WECOM_KEY]).open(encrypted)
