"""Signatures and the AES message envelope of WeChat's 消息加解密 (safe mode).

A small adapter over ``wechatpy[cryptography]`` so that the rest of the channel never imports
it: if wechatpy ever breaks, this one file is replaced (the scheme is ~70 lines: SHA-1 over the
sorted parts; AES-256-CBC with IV = key[:16] over ``random16 ‖ len32be ‖ xml ‖ AppID``, PKCS#7
to 32 bytes, base64). Tencent's published vectors pin the behaviour in the tests.

Two things are done here rather than in wechatpy: signatures are compared in constant time
(wechatpy uses ``!=``), and a failed decryption of untrusted input is one exception type,
whatever the malformed ciphertext made the library raise.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import WeChatSigner


class BadKey(ValueError):
    """An EncodingAESKey that is not 43 base64 characters (32 bytes)."""


class DecryptError(ValueError):
    """The ciphertext did not open with any configured key, or was meant for another AppID."""

    def __init__(self, message: str, wrong_app_id: bool = False):
        super().__init__(message)
        self.wrong_app_id = wrong_app_id


def sign(token: str, *parts: str) -> str:
    """WeChat's signature: SHA-1 hex of the token and parts, sorted and concatenated."""
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def verify(token: str, signature: str, *parts: str) -> bool:
    """True when `signature` is WeChat's signature of `parts` under `token` (constant time)."""
    if not token or not signature:
        return False
    return hmac.compare_digest(sign(token, *parts).encode(), signature.strip().lower().encode("ascii", "replace"))


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey; BadKey if malformed."""
    text = encoding_aes_key.strip()
    if len(text) != 43:
        raise BadKey("an EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(text + "=", validate=True)
    except (binascii.Error, ValueError):
        raise BadKey("an EncodingAESKey is base64 (A-Z, a-z, 0-9, +, /)") from None
    if len(key) != 32:
        raise BadKey("an EncodingAESKey decodes to 32 bytes")
    return key


@dataclass(frozen=True)
class Opened:
    """A decrypted message and which key opened it (0 = current, 1 = previous)."""

    xml: str
    key_index: int


class MessageCipher:
    """Opens and seals message envelopes for one account (AppID), with key rotation.

    WeChat's FAQ on changing the EncodingAESKey: try the current key, then the previous one,
    and answer with the key that worked.
    """

    def __init__(self, token: str, app_id: str, keys: Sequence[str]):
        if not keys:
            raise BadKey("at least one EncodingAESKey is needed")
        self.token = token
        self.app_id = app_id
        self._keys = [aes_key(k) for k in keys if k]

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        """Check ``msg_signature`` (it covers the ciphertext, unlike ``signature``)."""
        return verify(self.token, msg_signature, timestamp, nonce, encrypted)

    def open(self, encrypted: str) -> Opened:
        """Decrypt `encrypted` (base64 text); DecryptError if no key opens it for our AppID."""
        wrong_app_id = False
        for index, key in enumerate(self._keys):
            try:
                return Opened(PrpCrypto(key).decrypt(encrypted, self.app_id), index)
            except InvalidAppIdException:
                # Either another account's message or, with the wrong key, garbage that happened
                # to decode: try the next key before deciding.
                wrong_app_id = True
            except Exception:  # noqa: BLE001 - untrusted bytes make wechatpy raise anything
                continue
        raise DecryptError("ciphertext does not open for this account", wrong_app_id=wrong_app_id)

    def seal(self, xml: str, timestamp: str, nonce: str, key_index: int = 0) -> tuple[str, str]:
        """Encrypt a reply with the key that opened the request: (Encrypt, MsgSignature)."""
        encrypted = PrpCrypto(self._keys[key_index]).encrypt(xml, self.app_id)
        text = encrypted.decode("ascii") if isinstance(encrypted, bytes) else str(encrypted)
        return text, sign(self.token, timestamp, nonce, text)
