"""Golden TwiML replies for the SMS and phone webhooks.

Each ``*.xml`` here is a reply as Twilio receives it, pretty-printed, with
the parts that differ on every run replaced: receipt codes by ``XXXXXXXX``
and the sealed call state by ``SEALED``.  Regenerate after a deliberate
wording change with ``BALLOTBOX_REGEN_GOLDEN=1 pytest tests/integration -k "sms or phone"``
and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from xml.dom import minidom

GOLDEN = Path(__file__).parent
REGEN = os.environ.get("BALLOTBOX_REGEN_GOLDEN", "") not in {"", "0", "false"}


def normalise(xml: str) -> str:
    """The reply with run-specific parts masked, pretty-printed."""
    code = "[2-9A-HJ-NP-Z]"  # the receipt code alphabet: no O, 0, I or 1
    xml = re.sub(rf"Receipt code {code}{{8}}", "Receipt code XXXXXXXX", xml)
    xml = re.sub(rf"(?:{code}, ){{7}}{code}", "X, X, X, X, X, X, X, X", xml)
    spelt = r"(?:[A-Z] for [A-Z][a-z-]+|the number [2-9])"  # a code read phonetically
    xml = re.sub(rf"{spelt}(?:, {spelt}){{7}}", "X for X-ray, …", xml)
    xml = re.sub(r"\?s=[A-Za-z0-9_%\-]+", "?s=SEALED", xml)
    xml = re.sub(r"/Recordings/RE[0-9a-f]{32}", "/Recordings/RE0", xml)
    pretty = minidom.parseString(xml).toprettyxml(indent="  ")  # noqa: S318 - our own output
    return "\n".join(line for line in pretty.splitlines() if line.strip()) + "\n"


def check(name: str, xml: str) -> None:
    """Compare ``xml`` with the golden file ``name.xml`` (rewrite it if BALLOTBOX_REGEN_GOLDEN)."""
    path = GOLDEN / f"{name}.xml"
    actual = normalise(xml)
    if REGEN:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), (
        f"no golden file {path.name}; run with BALLOTBOX_REGEN_GOLDEN=1 and review it"
    )
    assert actual == path.read_text(encoding="utf-8"), f"TwiML differs from {path.name}"
