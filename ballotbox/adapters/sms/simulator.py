"""Texting the server as Twilio would: for demos, manual testing and the test suite.

:func:`send` posts the parameters Twilio Messaging posts for an inbound
text, signed with ``RequestValidator.compute_signature`` over the public URL
exactly as Twilio signs them, and reads the messages out of the TwiML reply.
It takes any ``httpx.Client``: one pointed at a running server, or
Starlette's ``TestClient`` bound to the app in-process (what the demo uses)::

    with TestClient(create_app(settings, ctx)) as client:
        reply = send(client, "4821 0937 5512 8840 3316 3 1 2", auth_token="…")
        reply.messages  # ["Vote recorded for …", …]
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx

from ballotbox.adapters.httpkit.twilio import SIGNATURE_HEADER, sign

PATH = "/sms/twilio"
DEFAULT_SENDER = "+447700900123"  # an Ofcom drama number: never a real phone
DEFAULT_TO = "+447700900000"


@dataclass(frozen=True)
class SmsReply:
    """What the server answered: the HTTP status, the messages it would send, the raw TwiML."""

    status: int
    messages: list[str]
    body: str


def parse_messages(xml: str) -> list[str]:
    """The text of every ``<Message>`` in a TwiML ``MessagingResponse``."""
    root = ET.fromstring(xml)  # noqa: S314 - our own server's answer, in tests and demos
    if root.tag != "Response":
        raise ValueError(f"not TwiML: root element <{root.tag}>")
    return ["".join(m.itertext()) for m in root.iter("Message")]


def new_sid(prefix: str = "SM") -> str:
    """A random Twilio-shaped SID (``SM`` + 32 hex digits)."""
    return prefix + secrets.token_hex(16)


def inbound_params(body: str, *, sender: str, to: str, message_sid: str) -> dict[str, str]:
    """The POST parameters of an inbound SMS webhook, as Twilio sends them."""
    return {
        "ToCountry": "GB", "ToState": "", "SmsMessageSid": message_sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": message_sid, "FromState": "",
        "SmsStatus": "received", "FromCity": "", "Body": body, "FromCountry": "GB",
        "To": to, "ToZip": "", "NumSegments": "1", "MessageSid": message_sid,
        "AccountSid": "AC" + "0" * 32, "From": sender, "ApiVersion": "2010-04-01",
    }  # fmt: skip


def send(
    client: httpx.Client,
    text: str,
    *,
    auth_token: str,
    public_url: str | None = None,
    sender: str = DEFAULT_SENDER,
    to: str = DEFAULT_TO,
    message_sid: str | None = None,
) -> SmsReply:
    """Text ``text`` to the server behind ``client``, signed as Twilio would sign it.

    ``public_url`` is the address Twilio is configured with (the server's
    ``BALLOTBOX_PUBLIC_URL``); by default the client's own base URL.
    """
    base = (public_url or str(client.base_url)).rstrip("/")
    params = inbound_params(text, sender=sender, to=to, message_sid=message_sid or new_sid())
    headers = {SIGNATURE_HEADER: sign(auth_token, base + PATH, params)}
    response = client.post(PATH, data=params, headers=headers)
    messages: list[str] = []
    if response.status_code == 200:
        messages = parse_messages(response.text)
    return SmsReply(response.status_code, messages, response.text)
