"""Type sizes and spacing for each card layout: business, postcard, large-print A4, sticker.

No size here is under 8 pt: ``min_text`` is the smallest the layout engine
(``carddesign.py``) may try before it moves text to the back or refuses.
"""

from __future__ import annotations

from dataclasses import dataclass

from ballotbox.core.printing.pdfstream import MM


@dataclass(frozen=True, slots=True)
class Style:
    """Type sizes (points) and spacing for one card layout."""

    inset: float
    org: float
    title: float
    token: float
    min_token: float
    text: float
    min_text: float
    qr: float
    qr_gap: float
    label: float = 0  # "Your ballot token" above the token; 0 for none
    qr_beside_header: bool = False
    header_one_line: bool = False  # "Organisation: title" in bold
    short: bool = False  # a token sticker: the short instructions only
    back: bool = True  # may print a reverse side
    leading: float = 1.2  # line height as a multiple of the text size
    gap: float = 0.2  # space between paragraphs, as a multiple of the text size


STYLES: dict[str, Style] = {
    "business": Style(
        inset=3 * MM,
        org=8,
        title=10,
        token=15,
        min_token=12,
        text=9,
        min_text=8,
        qr=20 * MM,
        qr_gap=2.5 * MM,
        leading=1.15,
        gap=0.1,  # the bold lead words mark where each paragraph starts
    ),
    "a4": Style(
        inset=18 * MM,
        org=18,
        title=26,
        label=18,
        token=32,
        min_token=28,
        text=20,
        min_text=16,
        qr=70 * MM,
        qr_gap=8 * MM,
    ),
    "postcard": Style(
        inset=6 * MM,
        org=10,
        title=13,
        token=15,
        min_token=13,
        text=11,
        min_text=9,
        qr=32 * MM,
        qr_gap=4 * MM,
        leading=1.2,
    ),
    "avery": Style(
        inset=3 * MM,
        org=8,
        title=8,
        token=14,
        min_token=11,
        text=8,
        min_text=8,
        qr=22 * MM,
        qr_gap=2.5 * MM,
        qr_beside_header=True,
        header_one_line=True,
        short=True,
        leading=1.15,
        back=False,
    ),
}
