"""What a card says and where each piece goes, worked out once per print run.

Everything that is the same on every card (organisation, title, instructions)
is laid out once into a PDF form; per card only the token, the SMS example
(which quotes the card's own token), the serial and the QR code are drawn.
The layout is checked before the first card: text that does not fit, or that
the card fonts cannot print, stops the run with a clear error instead of a
print run of clipped cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, _
from ballotbox.core.printing.pdfstream import (
    BOLD,
    MM,
    REGULAR,
    Content,
    encode_text,
    text_width,
    widest,
)
from ballotbox.core.tokens.format import Token, group

# Stands for the first two groups of the card's own token in the SMS example;
# measured as eight digits, which all have the same width in Helvetica.
SENTINEL = "\ue000"
_SENTINEL_MEASURE = "0000\u00a00000"


class CardLayoutError(InputError):
    """The card text does not fit the chosen layout."""

    code = "card_layout"
    template = N_(
        "The card text does not fit the {layout} layout even at {size} pt; "
        "shorten the instructions or use the a4 layout."
    )


@dataclass(frozen=True, slots=True)
class MethodHint:
    """How to fill in the ballot: rank, choose up to ``max_choices``, or yes/no."""

    kind: Literal["rank", "choose", "yesno"]
    candidates: int = 0
    max_choices: int = 1

    def instruction(self) -> str:
        """The one-sentence hint printed on the card."""
        if self.kind == "rank":
            return _("Rank the candidates: 1 = first choice, 2 = next, and so on.")
        if self.kind == "choose":
            return _("Choose up to {n} of the {candidates} candidates.").format(
                n=self.max_choices, candidates=self.candidates
            )
        return _("Vote YES or NO.")

    def example_choices(self) -> str:
        """Example choices for the SMS line, built from real candidate numbers."""
        if self.kind == "yesno":
            return _("YES")
        if self.kind == "rank":
            top = max(1, min(3, self.candidates))
            return " ".join(str(n) for n in [top, *range(1, top)])
        picks = max(1, min(2, self.max_choices, self.candidates))
        return " ".join(str(n) for n in (1, 3)[:picks]) if self.candidates >= 3 else "1"


@dataclass(frozen=True, slots=True)
class ContestHint:
    """One contest of a ballot of several, as the card names it: key, title, how to vote."""

    key: str
    title: str
    method: MethodHint


@dataclass(frozen=True, slots=True)
class CardInfo:
    """The election facts printed on every card; channels left as None are not offered.

    ``contests`` is empty for a ballot of one contest (the card is as it always
    was); for several, the card names each contest by its key.
    """

    organisation: str
    title: str
    public_url: str
    closes: str
    method: MethodHint
    web: bool = True
    sms_number: str | None = None
    phone_number: str | None = None
    postal_address: str | None = None
    contests: tuple[ContestHint, ...] = ()

    def vote_url(self, token: Token) -> str:
        """The link in the QR code: ``<public URL>/v/<20 digits>``."""
        return f"{self.public_url.rstrip('/')}/v/{token.digits}"

    def web_address(self) -> str:
        """The public URL as a person would type it (no scheme, no trailing slash)."""
        address = self.public_url.split("://", 1)[-1]
        return address.rstrip("/")


@dataclass(frozen=True, slots=True)
class Style:
    """Type sizes (points) and spacing for one card layout."""

    inset: float
    org: float
    title: float
    label: float
    token: float
    text: float
    min_text: float
    qr: float
    qr_gap: float
    qr_beside_header: bool = False
    show_org_line: bool = True
    show_token_label: bool = True
    show_privacy_note: bool = True
    compact: bool = False


STYLES: dict[str, Style] = {
    "business": Style(
        inset=3.5 * MM,
        org=7,
        title=9,
        label=6.5,
        token=15,
        text=7.5,
        min_text=6,
        qr=20 * MM,
        qr_gap=3 * MM,
        show_token_label=False,
    ),
    "a4": Style(
        inset=18 * MM,
        org=18,
        title=26,
        label=18,
        token=32,
        text=20,
        min_text=16,
        qr=70 * MM,
        qr_gap=8 * MM,
    ),
    "avery": Style(
        inset=3 * MM,
        org=6,
        title=7,
        label=6,
        token=14,
        text=6.5,
        min_text=5.5,
        qr=24 * MM,
        qr_gap=2.5 * MM,
        qr_beside_header=True,
        show_org_line=False,
        show_token_label=False,
        show_privacy_note=False,
        compact=True,
    ),
}


@dataclass(slots=True)
class Placed:
    """A line of text at a position inside the card (points from its bottom-left)."""

    x: float
    y: float
    text: str
    font: str
    size: float


@dataclass(slots=True)
class CardDesign:
    """The static form plus where the per-card pieces go."""

    width: float
    height: float
    static: Content
    token_at: Placed
    serial_right: float
    serial_y: float
    serial_size: float
    qr_left: float
    qr_top: float
    qr_size: float
    text_size: float
    dynamic: list[Placed] = field(default_factory=list)

    def card_content(self, token: Token, serial: str, matrix: list[list[bool]]) -> Content:
        """The per-card drawing, in card coordinates (the form is drawn separately)."""
        content = Content()
        t = self.token_at
        content.text(t.x, t.y, token.grouped, t.font, t.size)
        prefix = group(token.digits[:8]).replace(" ", "\u00a0")
        for line in self.dynamic:
            content.text(line.x, line.y, line.text.replace(SENTINEL, prefix), line.font, line.size)
        label = _("No. {serial}").format(serial=serial)
        width = text_width(label, REGULAR, self.serial_size)
        content.text(self.serial_right - width, self.serial_y, label, REGULAR, self.serial_size)
        content.modules(self.qr_left, self.qr_top, self.qr_size / len(matrix), matrix)
        return content


def compact_paragraphs(info: CardInfo) -> list[tuple[str, str]]:
    """The short version for a token sticker; the covering letter gives the full instructions."""
    parts = [(BOLD, _("Voting closes {closes}.").format(closes=info.closes))]
    if info.contests:
        parts.append((REGULAR, contests_line(info.contests, compact=True)))
    if info.web:
        parts.append(
            (REGULAR, _("Online: {address} or scan the code").format(address=info.web_address()))
        )
    if info.sms_number:
        parts.append((REGULAR, _("Text: {number}").format(number=info.sms_number)))
    if info.phone_number:
        parts.append((REGULAR, _("Phone: {number}").format(number=info.phone_number)))
    return parts


def paragraphs(info: CardInfo) -> list[tuple[str, str]]:
    """The instruction paragraphs, in print order, each with its font."""
    several = _contest_wording(info) if info.contests else {}
    parts = [(BOLD, _("Voting closes {closes}.").format(closes=info.closes))]
    if several:
        parts.append((REGULAR, contests_line(info.contests)))
    else:
        parts.append((REGULAR, info.method.instruction()))
    if info.web:
        parts.append(
            (
                REGULAR,
                _("Online: scan the code or go to {address}").format(address=info.web_address()),
            )
        )
    if info.sms_number:
        choices = several.get("example") or info.method.example_choices()
        example = "\u00a0".join([SENTINEL, "…", *choices.split()])
        parts.append(
            (
                REGULAR,
                (
                    several.get("sms")
                    or _("Text {number}: your token then your choices in order, e.g. {example}")
                ).format(number=info.sms_number, example=example),
            )
        )
    if info.phone_number:
        parts.append(
            (
                REGULAR,
                (
                    several.get("phone")
                    or _("Phone {number}: key in your token, then your choices.")
                ).format(number=info.phone_number),
            )
        )
    if info.postal_address:
        address = ", ".join(p.strip() for p in info.postal_address.splitlines() if p.strip())
        parts.append(
            (
                REGULAR,
                _("Post your token and choices, no name needed, to {address}.").format(
                    address=address
                ),
            )
        )
    return parts


# -- Ballots of several contests (issue 11): the card names each contest by its key. ---------
# Wording only; paragraphs() and compact_paragraphs() use these when info.contests is set.


def contests_line(contests: tuple[ContestHint, ...], *, compact: bool = False) -> str:
    """The contests as the card lists them: ``A Executive committee; B Chair; …``."""
    if compact:
        return _("Contests {keys}: see your letter.").format(
            keys=", ".join(c.key for c in contests)
        )
    return _("Contests: {listing}. Any left out is left blank.").format(
        listing="; ".join(f"{c.key} {c.title}" for c in contests)
    )


def _contest_wording(info: CardInfo) -> dict[str, str]:
    """The sentences that differ on a card for several contests (keys of ``paragraphs``)."""
    first, *rest = info.contests
    choices = [
        first.method.example_choices(),
        *(c.method.example_choices().split()[0] for c in rest),
    ]
    return {
        "sms": _("Text {number}: your token, then each contest's letter and choices, e.g. "
                 "{example}"),
        "example": " ".join(f"{c.key} {x}" for c, x in zip(info.contests, choices, strict=True)),
        "phone": _("Phone {number}: key in your token, then each contest's choices."),
    }  # fmt: skip


def design_card(info: CardInfo, layout: str, width: float, height: float) -> CardDesign:
    """Lay the card out at the largest text size that fits, or raise ``CardLayoutError``."""
    for text in (info.organisation, info.title, *(p for _f, p in paragraphs(info))):
        encode_text(text.replace(SENTINEL, ""))
    style = STYLES[layout]
    size = style.text
    while size >= style.min_text - 1e-9:
        design = _try_layout(info, style, width, height, size)
        if design is not None:
            return design
        size -= 0.25
    raise CardLayoutError(layout=layout, size=f"{style.min_text:g}")


def _measure(text: str, font: str, size: float) -> float:
    return text_width(text.replace(SENTINEL, _SENTINEL_MEASURE), font, size)


def _try_layout(
    info: CardInfo, style: Style, width: float, height: float, size: float
) -> CardDesign | None:
    static = Content()
    left, right = style.inset, width - style.inset
    bottom = style.inset
    y = height - style.inset
    qr_top: float | None = y if style.qr_beside_header else None
    qr_right = left + style.qr + style.qr_gap

    def column(line_height: float) -> tuple[float, float]:
        # Lines level with the QR code start to its right; below it they use the full width.
        if qr_top is None:
            return left, right
        beside = y - line_height < qr_top and y > qr_top - style.qr - style.qr_gap
        return (qr_right if beside else left), right

    def put(text: str, font: str, pt: float, grey: float = 0) -> bool:
        # Greedy, line by line: each line takes the width free at its own height.
        nonlocal y
        words = text.split(" ")
        while words:
            x0, x1 = column(pt * 1.2)
            line = words.pop(0)
            while words and _measure(f"{line} {words[0]}", font, pt) <= x1 - x0:
                line = f"{line} {words.pop(0)}"
            if _measure(line, font, pt) > x1 - x0:
                return False
            y -= pt * 1.2
            if SENTINEL in line:
                dynamic.append(Placed(x0, y + pt * 0.25, line, font, pt))
            else:
                static.text(x0, y + pt * 0.25, line, font, pt, grey)
        return True

    dynamic: list[Placed] = []
    ok = True
    if style.show_org_line:
        ok &= put(info.organisation, REGULAR, style.org, grey=0.3)
    title = info.title if style.show_org_line else f"{info.organisation}: {info.title}"
    ok &= put(title, BOLD, style.title)
    y -= style.title * 0.2
    if style.show_token_label:
        ok &= put(_("Your ballot token"), REGULAR, style.label)
    x0, x1 = column(style.token * 1.15)
    sample = "0000 0000 0000 0000 0000"
    if text_width(sample, BOLD, style.token) > x1 - x0:
        return None
    y -= style.token * 1.05
    token_at = Placed(x0, y, sample, BOLD, style.token)
    y -= style.token * 0.35
    if qr_top is None:
        y -= style.qr_gap * 0.75
        qr_top = y
    footer = size * 1.3
    for font, text in (compact_paragraphs if style.compact else paragraphs)(info):
        ok &= put(text, font, size)
        y -= size * 0.2
    if not ok or y < bottom + footer or qr_top - style.qr < bottom + footer:
        return None
    serial_size = max(size - 1, 5.5)
    if style.show_privacy_note:
        note = _("Keep this card private: the token is your vote.")
        if widest([note], REGULAR, serial_size) > right - left - 60:
            return None
        static.text(left, bottom, note, REGULAR, serial_size, grey=0.3)
    return CardDesign(
        width=width,
        height=height,
        static=static,
        token_at=token_at,
        serial_right=right,
        serial_y=bottom,
        serial_size=serial_size,
        qr_left=left,
        qr_top=qr_top,
        qr_size=style.qr,
        text_size=size,
        dynamic=dynamic,
    )
