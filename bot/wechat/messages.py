"""WeChat's XML: untrusted messages in (defusedxml, DTDs and entities refused), replies out.

A message is a flat ``<xml>`` element whose children hold text (``<MsgType>``, ``<Content>``
...). Anything else — a DTD, an entity, a nested structure where text is expected, a root that
is not ``<xml>`` — is a malformed request, never a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    """The body is not a WeChat message (malformed, DTD/entities, wrong shape)."""


def parse_fields(text: str) -> dict[str, str]:
    """The child elements of a WeChat ``<xml>`` document as {tag: text}.

    `text` is already decoded (the caller rejects non-UTF-8 bodies), so an ``encoding=``
    declaration inside cannot make the parser reinterpret the bytes.
    """
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise BadXml(type(exc).__name__) from None
    if root.tag != "xml":
        raise BadXml("root element is not <xml>")
    fields: dict[str, str] = {}
    for child in root:
        if len(child):  # WeChat's messages are flat; e.g. ScanCodeInfo is not one we act on
            continue
        fields[child.tag] = child.text or ""
    return fields


@dataclass(frozen=True)
class Inbound:
    """One message or event from a 公众号 follower."""

    to_user: str  # the account's original id, gh_…
    from_user: str  # the follower's OpenID
    create_time: str
    msg_type: str  # text, voice, image, video, shortvideo, location, link, event, …
    msg_id: str = ""
    content: str = ""
    recognition: str = ""  # voice: WeChat's speech-to-text, when the account enabled it
    event: str = ""  # subscribe, unsubscribe, CLICK, SCAN, … (as sent)
    event_key: str = ""
    fields: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        """WeChat's advice: MsgId for messages; FromUserName + CreateTime for events (+ Event)."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.from_user}|{self.create_time}|{self.event or self.msg_type}"


def inbound(fields: dict[str, str]) -> Inbound:
    """Build an Inbound from parsed fields; BadXml when a required field is missing."""
    missing = [f for f in ("ToUserName", "FromUserName", "MsgType") if not fields.get(f)]
    if missing:
        raise BadXml("missing " + ", ".join(missing))
    return Inbound(
        to_user=fields["ToUserName"], from_user=fields["FromUserName"],
        create_time=fields.get("CreateTime", ""), msg_type=fields["MsgType"].strip().lower(),
        msg_id=fields.get("MsgId", "").strip(), content=fields.get("Content", ""),
        recognition=fields.get("Recognition", ""), event=fields.get("Event", "").strip(),
        event_key=fields.get("EventKey", ""), fields=fields,
    )


def cdata(text: str) -> str:
    """`text` inside CDATA, safe even when it contains ``]]>``."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply (the only reply type an unverified account can send without media)."""
    return ("<xml>"
            f"<ToUserName>{cdata(to_user)}</ToUserName>"
            f"<FromUserName>{cdata(from_user)}</FromUserName>"
            f"<CreateTime>{int(create_time)}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content>"
            "</xml>")


def encrypted_reply(encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode envelope around an encrypted reply (`timestamp` is digits: checked on entry)."""
    return ("<xml>"
            f"<Encrypt>{cdata(encrypted)}</Encrypt>"
            f"<MsgSignature>{cdata(msg_signature)}</MsgSignature>"
            f"<TimeStamp>{int(timestamp)}</TimeStamp>"
            f"<Nonce>{cdata(nonce)}</Nonce>"
            "</xml>")
