"""Where each piece of a card goes, worked out once per print run.

Everything that is the same on every card (organisation, title, instructions)
is laid out once into PDF forms, one for the front and one for the back; per
card only the token, the serial, the SMS example (which quotes the card's own
token) and the QR code are drawn.

No text is ever set below the layout's minimum (8 pt on a business card or a
sticker, 16 pt on the large-print page).  What does not fit on the front goes
to the back, a section at a time (how to vote, how to check, the privacy
note), and the front says to turn over.  Text that fits on neither side stops
the run before the first card, with a clear error instead of clipped cards.

A bilingual card (``CardInfo.also``) prints its title in both languages and
every paragraph in both (``cardtext.interleaved``); it is laid out in the
ballot's primary language, so the fixed words (the serial's "No.") are too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, _
from ballotbox.core.printing.cardstyles import STYLES, Style
from ballotbox.core.printing.cardtext import (
    SECOND_GREY,
    SENTINEL,
    SENTINEL_MEASURE,
    CardInfo,
    MethodHint,
    Paragraph,
    both,
    card_paragraphs,
    in_each,
    privacy_notes,
    speaking,
    sticker,
    turn_over,
)
from ballotbox.core.printing.pdfstream import BOLD, REGULAR, Content, check_text, text_width
from ballotbox.core.printing.qr import Matrix
from ballotbox.core.tokens.format import Token

__all__ = ["CardDesign", "CardInfo", "CardLayoutError", "MethodHint", "Style", "design_card"]

DIGITS_SAMPLE = "0000 0000 0000 0000 0000"


class CardLayoutError(InputError):
    """The card text does not fit the chosen layout."""

    code = "card_layout"
    template = N_(
        "The card text does not fit the {layout} layout, front and back, at {size} pt; "
        "shorten the instructions or use the a4 layout."
    )


class BilingualCardLayoutError(CardLayoutError):
    """Both languages of a bilingual card do not fit the chosen layout."""

    code = "card_layout_bilingual"
    template = N_(
        "The card text in both languages does not fit the {layout} layout, front and back, "
        "at {size} pt; use the postcard or a4 layout, or print each member's card in their "
        "own language (tokens issue --by-format --by-language)."
    )


@dataclass(slots=True)
class Placed:
    """A line of text at a position inside the card (points from its bottom-left)."""

    x: float
    y: float
    text: str
    font: str
    size: float


@dataclass(slots=True)
class Side:
    """One face of the card: its fixed text, the lines drawn per card, and the serial's place."""

    static: Content = field(default_factory=Content)
    dynamic: list[Placed] = field(default_factory=list)
    serial_right: float = 0
    serial_y: float = 0
    serial_label: str = "No. {serial}"  # in the card's primary language, fixed at design time

    def per_card(self, token: Token, serial: str, size: float) -> Content:
        """The lines that change from card to card, with this card's token and serial."""
        content = Content()
        spelled = token.grouped.replace(" ", "\u00a0")
        for line in self.dynamic:
            content.text(line.x, line.y, line.text.replace(SENTINEL, spelled), line.font, line.size)
        label = self.serial_label.format(serial=serial)
        width = text_width(label, REGULAR, size)
        content.text(self.serial_right - width, self.serial_y, label, REGULAR, size)
        return content


@dataclass(slots=True)
class CardDesign:
    """The card's two faces (the back is None for a one-sided layout) and the QR's place."""

    width: float
    height: float
    front: Side
    back: Side | None
    token_at: Placed
    qr_left: float
    qr_top: float
    qr_size: float
    text_size: float

    @property
    def static(self) -> Content:
        """The front's fixed text (one PDF form per run)."""
        return self.front.static

    def card_content(self, token: Token, serial: str, matrix: Matrix) -> Content:
        """The per-card drawing of the front, in card coordinates."""
        content = Content()
        t = self.token_at
        content.text(t.x, t.y, token.grouped, t.font, t.size)
        content.extend(self.front.per_card(token, serial, self.text_size))
        content.modules(self.qr_left, self.qr_top, self.qr_size / len(matrix), matrix)
        return content

    def back_content(self, token: Token, serial: str) -> Content:
        """The per-card drawing of the back (empty for a one-sided layout)."""
        if self.back is None:
            return Content()
        return self.back.per_card(token, serial, self.text_size)


def design_card(info: CardInfo, layout: str, width: float, height: float) -> CardDesign:
    """Lay the card out at the largest text size that fits, or raise ``CardLayoutError``.

    A one-sided card is preferred at any size; the back is used only when the
    text does not fit on the front even at the layout's smallest size.  Last of
    all the organisation's name moves to the top of the back, which leaves a
    long title room for two lines on the front.
    """
    with speaking(info.language):
        return _design(info, layout, width, height)


def _design(info: CardInfo, layout: str, width: float, height: float) -> CardDesign:
    style = STYLES[layout]
    _check_printable(info)
    sizes = []
    size = style.text
    while size >= style.min_text - 1e-9:
        sizes.append(size)
        size -= 0.5
    plans = [(1, False), (2, False), (2, True)] if style.back else [(1, False)]
    for sides, org_behind in plans:
        for size in sizes:
            design = _try(info, style, width, height, size, sides, org_behind)
            if design is not None:
                return design
    error = BilingualCardLayoutError if info.also is not None else CardLayoutError
    raise error(layout=layout, size=f"{style.min_text:g}")


def _check_printable(info: CardInfo) -> None:
    """Name the first character the fonts lack, with the whole text it is in."""
    titles = [info.title] + ([info.also.title] if info.also is not None else [])
    for text in (info.organisation, *titles):
        check_text(text, REGULAR)
        check_text(text, BOLD)
    for part in card_paragraphs(info):
        check_text(part.text.replace(SENTINEL, ""), part.font)
        check_text(part.lead, BOLD)


def _measure(text: str, font: str, size: float) -> float:
    return text_width(text.replace(SENTINEL, SENTINEL_MEASURE), font, size)


def _runs(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Consecutive words in one font joined into runs: [(font, text)…]."""
    runs: list[tuple[str, str]] = []
    for word, font in words:
        if runs and runs[-1][0] == font:
            runs[-1] = (font, f"{runs[-1][1]} {word}")
        else:
            runs.append((font, word))
    return runs


class _Flow:
    """Fills one face from the top, line by line, around the QR code."""

    def __init__(
        self,
        side: Side,
        width: float,
        height: float,
        inset: float,
        leading: float = 1.2,
        gap: float = 0.2,
    ) -> None:
        self.side = side
        self.leading, self.gap = leading, gap
        self.left, self.right = inset, width - inset
        self.bottom = inset
        self.y = height - inset
        self.qr: tuple[float, float] | None = None  # (top, right edge of the kept-clear area)
        self.qr_size = 0.0

    def column(self, line_height: float) -> tuple[float, float]:
        # Lines level with the QR code start to its right; below it they use the full width.
        if self.qr is None:
            return self.left, self.right
        top, clear_right = self.qr
        beside = self.y - line_height < top and self.y > top - self.qr_size
        return (clear_right if beside else self.left), self.right

    def lines(self, text: str, font: str, size: float, *, grey: float = 0, lead: str = "") -> bool:
        """Set ``text`` (after a bold ``lead``) in lines that fit; False if it does not fit."""
        y0, placed = self.y, []
        words = [(w, BOLD) for w in lead.split()] + [(w, font) for w in text.split(" ")]
        space = _measure(" ", REGULAR, size)
        while words:
            x0, x1 = self.column(size * self.leading)
            line = [words.pop(0)]
            used = _measure(line[0][0], line[0][1], size)
            while words and used + space + _measure(*words[0], size) <= x1 - x0:
                used += space + _measure(*words[0], size)
                line.append(words.pop(0))
            if used > x1 - x0:
                self.y = y0
                return False
            self.y -= size * self.leading
            x = x0
            for run_font, run in _runs(line):
                placed.append(Placed(x, self.y + size * 0.25, run, run_font, size))
                x += _measure(run, run_font, size) + space
        if self.y < self.bottom:
            self.y = y0
            return False
        for p in placed:
            if SENTINEL in p.text:
                self.side.dynamic.append(p)
            else:
                self.side.static.text(p.x, p.y, p.text, p.font, p.size, grey=grey)
        return True

    def paragraphs(self, parts: list[Paragraph], size: float) -> bool:
        """Set every paragraph (a heading gets half a line above it); False if they do not fit."""
        for n, part in enumerate(parts):
            if part.heading and n:
                self.y -= size * 0.5
            if not self.lines(part.text, part.font, size, lead=part.lead, grey=part.grey):
                return False
            self.y -= size * self.gap
        return True

    def fits(self, parts: list[Paragraph], size: float) -> bool:
        """Whether ``parts`` would fit below what is already set."""
        y0, static, dynamic = self.y, self.side.static, self.side.dynamic
        self.side.static, self.side.dynamic = Content(), []
        try:
            return self.paragraphs(parts, size)
        finally:
            self.y, self.side.static, self.side.dynamic = y0, static, dynamic


def _try(
    info: CardInfo,
    style: Style,
    width: float,
    height: float,
    size: float,
    sides: int,
    org_behind: bool = False,
) -> CardDesign | None:
    serial_label = _("No. {serial}")
    front = Side(serial_right=width - style.inset, serial_y=style.inset, serial_label=serial_label)
    flow = _Flow(front, width, height, style.inset, style.leading, style.gap)
    second = info.also.title if info.also is not None and info.also.title != info.title else ""
    flow.bottom += size * 1.4  # the footer line: the privacy note and the serial
    if style.qr_beside_header:
        flow.qr = (flow.y, flow.left + style.qr + style.qr_gap)
        flow.qr_size = style.qr + style.qr_gap
    ok = True
    if style.header_one_line:
        # One line: "Organisation: title" where it fits, else the title alone.
        header = f"{info.organisation}: {info.title}"
        x0, x1 = flow.column(style.title * flow.leading)
        if text_width(header, BOLD, style.title) > x1 - x0 or second:
            header = info.title
        ok &= flow.lines(header, BOLD, style.title)
        if second:
            ok &= flow.lines(second, BOLD, style.title, grey=SECOND_GREY)
    else:
        title = style.title
        if org_behind:
            # The squeezed plan: a long title as small as the text, so it takes fewer lines.
            title = min(style.title, size)
        else:
            ok &= flow.lines(info.organisation, REGULAR, style.org, grey=0.3)
        ok &= flow.lines(info.title, BOLD, title)
        if second:
            ok &= flow.lines(second, BOLD, title, grey=SECOND_GREY)
    flow.y -= style.title * 0.2
    if style.label:
        ok &= flow.lines(both(info, lambda: _("Your ballot token")), REGULAR, style.label)
    token_at = _token_line(flow, style)
    if not ok or token_at is None:
        return None
    if flow.qr is None:
        flow.y -= style.qr_gap * 0.6
        flow.qr = (flow.y, flow.left + style.qr + style.qr_gap)
        flow.qr_size = style.qr + style.qr_gap * 0.5
    qr_top = flow.qr[0]
    # A sticker's QR code may reach the foot: its serial sits to the right.
    if qr_top - style.qr < (style.inset if style.short else flow.bottom):
        return None
    back: Side | None = None
    if style.short:
        ok = flow.paragraphs(sticker(info), size)
    else:
        notes = in_each(info, lambda _each: _("Keep this card private."))
        if sides == 2:
            back = Side(
                serial_right=width - style.inset, serial_y=style.inset, serial_label=serial_label
            )
        # The reminder on the serial's line: a bilingual two-sided card says it in its
        # first language on the front and its second on the back.
        footers = [(front, " ".join(notes))]
        if back is not None and len(notes) == 2:
            footers = [(front, notes[0]), (back, notes[1])]
        noted = all(_footer_fits(side, style, width, size, note) for side, note in footers)
        for side, note in footers if noted else []:
            side.static.text(style.inset, style.inset, note, REGULAR, size, grey=0.3)
        parts = card_paragraphs(info) + ([] if noted else privacy_notes(info))
        ok = noted or info.also is not None  # a bilingual card may say it above the footer
        if back is None:
            ok = ok and flow.paragraphs(parts, size)
        else:
            behind = _Flow(back, width, height, style.inset, style.leading, style.gap)
            if org_behind:
                ok = ok and behind.lines(info.organisation, REGULAR, style.org, grey=0.3)
                behind.y -= size * 0.3
            ok = ok and _two_sided(parts, flow, behind, size, turn_over(info))
    if not ok:
        return None
    return CardDesign(
        width=width,
        height=height,
        front=front,
        back=back,
        token_at=token_at,
        qr_left=flow.left,
        qr_top=qr_top,
        qr_size=style.qr,
        text_size=size,
    )


def _footer_fits(side: Side, style: Style, width: float, size: float, note: str) -> bool:
    """Whether the privacy note fits on the serial's line beside the serial."""
    serial = side.serial_label.format(serial="000000")
    room = width - 2 * style.inset - text_width(serial, REGULAR, size) - size
    return text_width(note, REGULAR, size) <= room


def _two_sided(
    parts: list[Paragraph], front: _Flow, back: _Flow, size: float, pointer: list[Paragraph]
) -> bool:
    """Put what fits on the front, in order, and the rest on the back.

    Lines drawn per card (the SMS example quoting the card's own token) always
    stay on the front, so a sheet fed wrongly through a duplex printer can
    never show one card's token on another card's back; the back carries
    only fixed text and the serial, which shows whether the sides line up.
    """
    back.bottom += size * 1.4
    if _split(parts, front, back, size, pointer):
        return True
    # Still too much: the bold leads carry the structure without the plain headings.
    return _split([p for p in parts if p.lead or not p.heading], front, back, size, pointer)


def _split(
    parts: list[Paragraph], front: _Flow, back: _Flow, size: float, pointer: list[Paragraph]
) -> bool:
    for keep in range(len(parts) - 1, -1, -1):
        if keep and parts[keep - 1].heading:
            continue  # never leave a heading at the foot of the front
        on_front = [p for n, p in enumerate(parts) if n < keep or p.on_front]
        behind = [p for n, p in enumerate(parts) if n >= keep and not p.on_front]
        if not behind:
            continue
        if not behind[0].heading:
            heading = next((p for p in reversed(parts[:keep]) if p.heading), None)
            if heading is not None:
                behind.insert(0, heading)  # the section goes on: its heading again
        if front.fits([*on_front, *pointer], size) and back.fits(behind, size):
            front.paragraphs([*on_front, *pointer], size)
            back.paragraphs(behind, size)
            return True
    return False


def _token_line(flow: _Flow, style: Style) -> Placed | None:
    """The token's place, at the largest size from the style's that fits the width."""
    size = style.token
    x0, x1 = flow.column(size * 1.15)
    while text_width(DIGITS_SAMPLE, BOLD, size) > x1 - x0:
        size -= 0.5
        if size < style.min_token:
            return None
    flow.y -= size * 1.05
    at = Placed(x0, flow.y, DIGITS_SAMPLE, BOLD, size)
    flow.y -= size * 0.35
    return at
