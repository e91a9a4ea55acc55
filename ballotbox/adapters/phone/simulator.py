"""Calling the server as Twilio Voice would, with the keypad in a terminal or a string.

:func:`call` plays Twilio's part: it posts the call's parameters, signed as
Twilio signs them, follows ``<Gather>``, ``<Record>`` and ``<Redirect>``
until ``<Hangup>``, hands every ``<Say>`` to ``on_say`` and asks ``keys``
for each entry.  ``keys`` is either a string for a whole call (``"TOKEN#1#3##1"``,
one entry per ``#``) or a callable asking the person at the terminal.  Works
with any ``httpx.Client``, including Starlette's ``TestClient`` in-process.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx

from ballotbox.adapters.httpkit.twilio import SIGNATURE_HEADER, sign
from ballotbox.adapters.phone.keypad import split_keys

PATH = "/phone/twilio"
DEFAULT_CALLER = "+447700900123"
DEFAULT_TO = "+447700900001"
MAX_STEPS = 200
FAKE_RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC{acc}/Recordings/RE{rec}"


class CallEnded(Exception):
    """The (simulated) caller has no more keys to press and hangs up."""


@dataclass
class Transcript:
    """What happened on the call: everything said, the keys sent, how it ended."""

    said: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    hung_up_by_server: bool = False

    @property
    def text(self) -> str:
        """Everything said, one sentence per line."""
        return "\n".join(self.said)


def keys_from(entries: str | list[str]) -> Callable[[str], str]:
    """A key source that plays back a fixed call, then hangs up."""
    queue: Iterator[str] = iter(split_keys(entries) if isinstance(entries, str) else entries)

    def next_entry(_prompt: str) -> str:
        try:
            return next(queue)
        except StopIteration:
            raise CallEnded() from None

    return next_entry


def _post(
    client: httpx.Client, url: str, params: dict[str, str], auth_token: str, public: str
) -> httpx.Response:
    headers = {SIGNATURE_HEADER: sign(auth_token, url, params)}
    if not url.startswith(public):
        raise ValueError(f"the server sent an action outside {public}: {url}")
    relative = url[len(public) :] or "/"
    return client.post(relative, data=params, headers=headers)


def call(
    client: httpx.Client,
    keys: str | list[str] | Callable[[str], str],
    *,
    auth_token: str,
    public_url: str | None = None,
    caller: str = DEFAULT_CALLER,
    to: str = DEFAULT_TO,
    on_say: Callable[[str], None] | None = None,
    recording: str | None = None,
    silent_recordings: int = 0,
) -> Transcript:
    """Call the server behind ``client`` and key ``keys``; return what was said.

    The first ``silent_recordings`` messages are left in silence: as Twilio does
    with an empty recording, the call skips the ``action`` and runs the next verb.
    """
    public = (public_url or str(client.base_url)).rstrip("/")
    next_keys = keys if callable(keys) else keys_from(keys)
    base = {
        "AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01",
        "CallSid": "CA" + secrets.token_hex(16), "CallStatus": "in-progress",
        "Direction": "inbound", "From": caller, "To": to,
        "Caller": caller, "Called": to, "FromCountry": "GB", "ToCountry": "GB",
    }  # fmt: skip
    transcript = Transcript()
    url, params = public + PATH, dict(base, CallStatus="ringing")
    try:
        for _step in range(MAX_STEPS):
            response = _post(client, url, params, auth_token, public)
            transcript.statuses.append(response.status_code)
            transcript.documents.append(response.text)
            if response.status_code != 200:
                return transcript
            root = ET.fromstring(response.text)  # noqa: S314 - our own server's TwiML
            next_url = None
            for verb in root:
                if verb.tag == "Say":
                    _said(transcript, verb, on_say)
                elif verb.tag == "Gather":
                    for inner in verb.iter("Say"):
                        _said(transcript, inner, on_say)
                    entry = next_keys(transcript.said[-1] if transcript.said else "")
                    transcript.sent.append(entry)
                    if verb.get("numDigits") and entry:
                        entry = entry[: int(verb.get("numDigits", "1"))]
                    url = verb.get("action", url)
                    params = dict(base, Digits=entry, FinishedOnKey="#")
                    next_url = url
                    break
                elif verb.tag == "Record" and silent_recordings > 0:
                    silent_recordings -= 1
                    transcript.sent.append("(silence)")
                elif verb.tag == "Record":
                    reference = recording or FAKE_RECORDING.format(
                        acc="0" * 32, rec=secrets.token_hex(16)
                    )
                    transcript.sent.append("(spoken message)")
                    url = verb.get("action", url)
                    params = dict(base, RecordingUrl=reference, RecordingDuration="30")
                    next_url = url
                    break
                elif verb.tag == "Redirect":
                    url = next_url = (verb.text or url).strip()
                    params = dict(base)
                    break
                elif verb.tag == "Hangup":
                    transcript.hung_up_by_server = True
                    return transcript
            if next_url is None:
                return transcript
    except CallEnded:
        pass
    return transcript


def _said(transcript: Transcript, verb: ET.Element, on_say: Callable[[str], None] | None) -> None:
    text = "".join(verb.itertext())
    transcript.said.append(text)
    if on_say is not None:
        on_say(text)
