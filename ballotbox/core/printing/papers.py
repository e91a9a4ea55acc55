"""Postal ballot papers: an A4 paper per token that a member fills in and posts back.

Each paper carries its token (grouped digits and a QR code) and the page
number on every page, the ballot's title, the last posting date and the
return address, then every contest: its instruction and every candidate with
a box for a preference number (ranked methods), a cross (other methods) or
Yes / No / Abstain (a referendum).  A long slate runs on to further pages;
a contest's heading never sits alone at the foot of a page.

The input is plain data (:class:`PaperContest`, :class:`PaperInfo`) so any
election definition can be adapted to it.  The pages are laid out once per
run; per paper only the token, the QR code and the serial are drawn.  No text
is set under 12 pt (``ballot-paper``) or 16 pt (``ballot-paper-large``).

A bilingual paper (``PaperInfo.also``: the same ballot in its second
language) gives the title, every instruction, every contest heading and the
Yes / No / Abstain boxes in both languages, the ballot's primary language
first and the second in dark grey; candidate names are printed once, as
registered.  A4 has the room, so nothing is shrunk: a paper simply runs on
to another page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, _
from ballotbox.core.printing.cardtext import SECOND_GREY, in_each, speaking
from ballotbox.core.printing.layouts import A4, UnknownLayoutError
from ballotbox.core.printing.pdfstream import (
    BOLD,
    MM,
    REGULAR,
    Content,
    PdfStream,
    check_text,
    num,
    wrap,
)
from ballotbox.core.printing.pdfstream import text_width as width_of
from ballotbox.core.printing.printrun import CardData, write_run
from ballotbox.core.printing.qr import Encoder, default_encoder

RANKED_METHODS = frozenset({"scottish-stv", "meek-stv", "irv"})


@dataclass(frozen=True, slots=True)
class PaperContest:
    """One contest as the paper shows it: key (A, B…), title, method, seats and candidates."""

    key: str
    title: str
    method: str
    seats: int = 1
    max_choices: int | None = None
    candidates: tuple[tuple[int, str], ...] = ()

    @property
    def kind(self) -> str:
        """``rank``, ``mark`` or ``yesno``: what goes in the boxes."""
        if self.method == "referendum":
            return "yesno"
        return "rank" if self.method in RANKED_METHODS else "mark"


@dataclass(frozen=True, slots=True)
class PaperInfo:
    """What every paper of a run says; times are already written in the ballot's time zone."""

    organisation: str
    title: str
    public_url: str
    closes: str
    post_by: str
    return_address: str
    contests: tuple[PaperContest, ...]
    language: str = ""  # the language the text above is in ("" for the one in force)
    also: PaperInfo | None = None  # a bilingual paper: the same ballot in its second language

    def vote_url(self, digits: str) -> str:
        """The link in the QR code (the same as on a card)."""
        return f"{self.public_url.rstrip('/')}/v/{digits}"


@dataclass(frozen=True, slots=True)
class PaperStyle:
    """Type sizes (points) for one paper layout; ``body`` is also the minimum."""

    body: float
    heading: float
    title: float
    token: float
    qr: float
    margin: float = 15 * MM


PAPER_STYLES: dict[str, PaperStyle] = {
    "ballot-paper": PaperStyle(body=12, heading=15, title=18, token=20, qr=30 * MM),
    "ballot-paper-large": PaperStyle(body=16, heading=20, title=24, token=26, qr=38 * MM),
}


class PaperLayoutError(InputError):
    """A ballot paper that cannot be laid out (no return address, a box taller than a page)."""

    code = "paper_layout"


@dataclass(slots=True)
class _Block:
    """A piece of the paper that is never split across pages."""

    height: float
    draw: Callable[[Content, float], None]  # draws with its top at the given y
    keep_with_next: bool = False
    contest: str = ""  # the heading of the contest the block belongs to


@dataclass(slots=True)
class PaperDesign:
    """The laid-out pages (fixed text) and where the per-paper pieces go."""

    style: PaperStyle
    pages: list[Content] = field(default_factory=list)
    token_x: float = 0
    token_size: float = 0
    token_y: float = 0
    qr_left: float = 0
    qr_top: float = 0


def in_both(info: PaperInfo, make: Callable[[], str]) -> str:
    """A short text in each of the paper's languages on one line: ``Ie / Yes``."""
    return " / ".join(dict.fromkeys(in_each(info, lambda _each: make())))


def design_paper(info: PaperInfo, layout: str) -> PaperDesign:
    """Lay out the paper's pages once for the run (the same for every token)."""
    with speaking(info.language):
        return _design(info, layout)


def _design(info: PaperInfo, layout: str) -> PaperDesign:
    if layout not in PAPER_STYLES:
        raise UnknownLayoutError(name=layout, known=", ".join(sorted(PAPER_STYLES)))
    if not info.return_address.strip():
        raise PaperLayoutError(
            N_("A postal ballot paper needs a return address (BALLOTBOX_POSTAL_ADDRESS).")
        )
    if not info.contests:
        raise PaperLayoutError(N_("The ballot has no contest to print."))
    titles = list(dict.fromkeys(in_each(info, lambda each: each.title)))
    for text in (info.organisation, *titles, info.return_address):
        check_text(text, BOLD)
        check_text(text, REGULAR)
    for each in in_each(info, lambda each: each):
        for contest in each.contests:
            check_text(contest.title, BOLD)
    for contest in info.contests:  # name the candidate whose name cannot be printed
        for _number, name in contest.candidates:
            check_text(name, REGULAR)
    style = PAPER_STYLES[layout]
    page_w, page_h = A4
    m = style.margin
    design = PaperDesign(style)
    design.qr_left, design.qr_top = page_w - m - style.qr, page_h - m
    text_right = design.qr_left - 4 * MM
    header = Content()
    y = page_h - m
    for line in wrap(info.organisation, text_right - m, REGULAR, style.body):
        y -= style.body * 1.25
        header.text(m, y + style.body * 0.25, line, REGULAR, style.body, grey=0.3)
    for n, title in enumerate(titles):
        for line in wrap(title, text_right - m, BOLD, style.title):
            y -= style.title * 1.2
            grey = SECOND_GREY if n else 0
            header.text(m, y + style.title * 0.25, line, BOLD, style.title, grey=grey)
    y -= style.body * 1.5
    label = in_both(info, lambda: _("Your ballot token"))
    for line in wrap(label, text_right - m, REGULAR, style.body):
        header.text(m, y, line, REGULAR, style.body)
        y -= style.body * 1.25
    y += style.body * 1.25
    design.token_size = style.token
    while width_of("0000 0000 0000 0000 0000", BOLD, design.token_size) > text_right - m:
        design.token_size -= 0.5  # the QR code's neighbour; never below the body size
    y -= design.token_size * 1.2
    design.token_x, design.token_y = m, y
    top = min(y - style.body, design.qr_top - style.qr) - 4 * MM
    header.line(m, top + 2 * MM, page_w - m, top + 2 * MM, 0.75)
    bottom = m + style.body * 2
    blocks = _blocks(info, style, page_w - 2 * m, m)
    pages: list[list[tuple[_Block, float]]] = [[]]
    cursor = top
    for n, block in enumerate(blocks):
        needed, chained = block.height, n
        while blocks[chained].keep_with_next and chained + 1 < len(blocks):
            chained += 1
            needed += blocks[chained].height
        if cursor - needed < bottom and pages[-1]:
            pages.append([])
            cursor = top
            if block.contest and not block.keep_with_next:
                # A slate that runs on: its heading again, marked as continued.
                again = _text(
                    in_both(info, lambda: _("(continued)")).join([f"{block.contest} ", ""]),
                    BOLD,
                    style.heading,
                    page_w - 2 * m,
                    m,
                    gap=0.3,
                )
                pages[-1].append((again, cursor))
                cursor -= again.height
        if cursor - block.height < bottom:
            raise PaperLayoutError(N_("A contest's text is too long for one page of the paper."))
        pages[-1].append((block, cursor))
        cursor -= block.height
    for number, placed in enumerate(pages, start=1):
        content = Content()
        content.extend(header)
        for block, at in placed:
            block.draw(content, at)
        footer = in_both(info, lambda: _("Page {page} of {pages}")).format(
            page=number, pages=len(pages)
        )
        content.text(m, m, footer, REGULAR, style.body)
        design.pages.append(content)
    return design


def _blocks(info: PaperInfo, style: PaperStyle, width: float, left: float) -> list[_Block]:
    size = style.body

    def said(make: Callable[[PaperInfo], str], font: str, at: float, gap: float) -> list[_Block]:
        """A text in each language: the second in grey, kept with the first."""
        texts = list(dict.fromkeys(in_each(info, make)))
        found = []
        for n, text in enumerate(texts):
            last = n == len(texts) - 1
            block = _text(text, font, at, width, left, gap=gap if last else 0.3, grey=n > 0)
            block.keep_with_next = not last
            found.append(block)
        return found

    address = ", ".join(p.strip() for p in info.return_address.splitlines() if p.strip())
    blocks = [
        *said(
            lambda each: _(
                "Post this paper by {post_by} at the latest: it must arrive before voting "
                "closes at {closes}."
            ).format(post_by=each.post_by, closes=each.closes),
            BOLD,
            size,
            0.5,
        ),
        *said(
            lambda _each: _("Do not write your name on it. Return it to: {address}").format(
                address=address
            ),
            REGULAR,
            size,
            0.5,
        ),
        *said(
            lambda _each: _(
                "Only your token links this paper to your vote, and nobody knows which member "
                "holds which token. Fold the paper and post it in a plain envelope."
            ),
            REGULAR,
            size,
            1.0,
        ),
    ]
    several = len(info.contests) > 1
    for index, contest in enumerate(info.contests):

        def heading_of(each: PaperInfo, index: int = index) -> str:
            title = each.contests[index].title
            return f"{each.contests[index].key}. {title}" if several else title

        def instruction_of(each: PaperInfo, index: int = index) -> str:
            return _instruction(each.contests[index])

        headings = said(heading_of, BOLD, style.heading, 0.3)
        instruction = said(instruction_of, REGULAR, size, 0.4)
        for block in (*headings, *instruction):
            block.keep_with_next = True  # the heading and instruction stay with the first box
        blocks += [*headings, *instruction]
        heading = " / ".join(dict.fromkeys(in_each(info, heading_of)))
        if contest.kind == "yesno":
            rows = [in_both(info, answer) for answer in _ANSWERS]
        else:
            rows = [f"{number}. {name}" for number, name in contest.candidates]
        for row in rows:
            blocks.append(_box_row(row, size, width, left))
            blocks[-1].contest = heading
        blocks[-1].height += size
    return blocks


def _yes() -> str:
    return _("Yes")


def _no() -> str:
    return _("No")


def _abstain() -> str:
    return _("Abstain")


_ANSWERS = (_yes, _no, _abstain)


def _instruction(contest: PaperContest) -> str:
    if contest.kind == "yesno":
        return _("Put a cross (X) in one box: Yes, No or Abstain.")
    if contest.kind == "rank":
        seats = _("{seats} to be elected.").format(seats=contest.seats) if contest.seats > 1 else ""
        text = _(
            "Write 1 in the box of your first choice, 2 for your second, and so on. "
            "Number as many candidates as you wish."
        )
        return f"{seats} {text}".strip()
    limit = contest.max_choices or contest.seats
    return _("Put a cross (X) in the box of up to {n} candidates.").format(n=limit)


def _text(
    text: str,
    font: str,
    size: float,
    width: float,
    left: float,
    gap: float = 0.5,
    grey: bool = False,
) -> _Block:
    lines = [part for paragraph in text.splitlines() for part in wrap(paragraph, width, font, size)]
    leading = size * 1.25
    tone = SECOND_GREY if grey else 0

    def draw(content: Content, top: float) -> None:
        for n, line in enumerate(lines):
            y = top - (n + 1) * leading + size * 0.25
            content.text(left, y, line, font, size, grey=tone)

    return _Block(len(lines) * leading + gap * size, draw)


def _box_row(label: str, size: float, width: float, left: float) -> _Block:
    box = max(10 * MM, size * 1.9)
    gap = 5 * MM
    lines = wrap(label, width - box - gap, REGULAR, size)
    leading = size * 1.25
    height = max(box, len(lines) * leading)

    def draw(content: Content, top: float) -> None:
        content.raw(f"1 w {num(left)} {num(top - box)} {num(box)} {num(box)} re S")
        text_top = top - (box - min(len(lines) * leading, box)) / 2
        for n, line in enumerate(lines):
            y = text_top - (n + 1) * leading + size * 0.3
            content.text(left + box + gap, y, line, REGULAR, size)

    return _Block(height + size * 0.45, draw)


class PaperPages:
    """Draws one ballot paper (all its pages) per token."""

    def __init__(self, design: PaperDesign, info: PaperInfo, encode: Encoder) -> None:
        self.design, self.info, self.encode = design, info, encode
        with speaking(info.language):
            self.serial_label = _("No. {serial}")
        self.page = A4
        self.batch = 1
        pages = len(design.pages)
        self.description = f"A4 postal ballot papers, {pages} page(s) each, one-sided"

    def begin(self, pdf: PdfStream) -> None:
        """Store each page's fixed text once per file."""
        for number, content in enumerate(self.design.pages, start=1):
            pdf.add_form(f"P{number}", *A4, content)

    def pages(self, items: list[CardData]) -> list[Content]:
        """Every page of the paper for the one token in ``items``."""
        (card,) = items
        d, style = self.design, self.design.style
        matrix = self.encode(self.info.vote_url(card.token.digits))
        serial = self.serial_label.format(serial=card.serial)
        right = A4[0] - style.margin
        out = []
        for number in range(1, len(d.pages) + 1):
            content = Content()
            content.raw(f"/P{number} Do")
            content.text(d.token_x, d.token_y, card.token.grouped, BOLD, d.token_size)
            content.modules(d.qr_left, d.qr_top, style.qr / len(matrix), matrix)
            x = right - width_of(serial, REGULAR, style.body)
            content.text(x, style.margin, serial, REGULAR, style.body)
            out.append(content)
        return out


def render_papers(
    cards: Iterable[CardData],
    out: Path,
    layout: str = "ballot-paper",
    *,
    info: PaperInfo,
    progress: Callable[[int], None] | None = None,
    split: int | None = None,
    encoder: Encoder | None = None,
) -> int:
    """Write one postal ballot paper per token to a PDF (or split PDFs); return the count."""
    design = design_paper(info, layout)
    renderer = PaperPages(design, info, encoder or default_encoder())
    return write_run(
        cards,
        out,
        renderer,
        layout=layout,
        title=f"{info.organisation}: {info.title}",
        progress=progress,
        split=split,
    )
