"""Card print runs: a stream of (token, serial) in, PDF pages or a print-house CSV out.

Pure: takes plain data, writes files, imports no database or web code.  The
streaming, splitting and manifest are shared with ballot papers
(``printrun.py``); this module draws the cards.  A two-sided layout writes
each sheet's back right after its front, with the cards mirrored left to
right, so that a duplex printer (flip on the long edge) puts every card's
back behind its own front.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path

from ballotbox.core.printing.carddesign import CardDesign, CardInfo, MethodHint, design_card
from ballotbox.core.printing.layouts import CARD_SHEETS, Sheet, sheet
from ballotbox.core.printing.outputs import OutputExistsError, open_new
from ballotbox.core.printing.pdfstream import MM, Content, PdfStream, num
from ballotbox.core.printing.printrun import (
    CardData,
    manifest_path,
    part_paths,
    write_run,
)
from ballotbox.core.printing.qr import Encoder, default_encoder

__all__ = [
    "CardData",
    "CardInfo",
    "MethodHint",
    "OutputExistsError",
    "render_cards",
    "write_cards_csv",
    "part_paths",
    "manifest_path",
]


class CardSheets:
    """Draws cards on a sheet: fronts, and the mirrored backs of a two-sided design."""

    def __init__(self, grid: Sheet, design: CardDesign, info: CardInfo, encode: Encoder) -> None:
        self.grid, self.design, self.info, self.encode = grid, design, info, encode
        self.page = grid.page
        self.batch = grid.per_page
        sides = "two-sided: print duplex, flip on the long edge" if design.back else "one-sided"
        self.description = f"{grid.description}; {sides}"

    def begin(self, pdf: PdfStream) -> None:
        """Store the cards' fixed text (and the crop marks) once per file."""
        design = self.design
        pdf.add_form("Card", design.width, design.height, design.front.static)
        if design.back is not None:
            pdf.add_form("Back", design.width, design.height, design.back.static)
        if self.grid.crop_marks:
            pdf.add_form("Marks", *self.grid.page, _crop_marks(self.grid))

    def pages(self, items: list[CardData]) -> list[Content]:
        """The front of the sheet, then its back when the design has one."""
        grid, design = self.grid, self.design
        front = Content()
        if grid.crop_marks:
            front.raw("/Marks Do")
        for slot, card in enumerate(items):
            x, y = grid.origin(slot)
            front.raw(f"q 1 0 0 1 {num(x)} {num(y)} cm /Card Do")
            matrix = self.encode(self.info.vote_url(card.token))
            front.extend(design.card_content(card.token, card.serial, matrix))
            front.raw("Q")
        if design.back is None:
            return [front]
        back = Content()
        for slot, card in enumerate(items):
            x, y = grid.origin(slot)
            x = grid.page[0] - x - grid.item_width  # mirrored: the long-edge flip
            back.raw(f"q 1 0 0 1 {num(x)} {num(y)} cm /Back Do")
            back.extend(design.back_content(card.token, card.serial))
            back.raw("Q")
        return [front, back]


def render_cards(
    cards: Iterable[CardData],
    out: Path,
    layout: str = "business",
    *,
    info: CardInfo,
    progress: Callable[[int], None] | None = None,
    split: int | None = None,
    encoder: Encoder | None = None,
) -> int:
    """Render cards to a PDF (or ``split``-sized PDFs plus a manifest); return the count."""
    grid = sheet(layout, CARD_SHEETS)
    design = design_card(info, layout, grid.item_width, grid.item_height)
    renderer = CardSheets(grid, design, info, encoder or default_encoder())
    return write_run(
        cards,
        out,
        renderer,
        layout=layout,
        title=f"{info.organisation}: {info.title}",
        progress=progress,
        split=split,
    )


def write_cards_csv(cards: Iterable[CardData], out: Path, *, public_url: str) -> int:
    """Write serial, token, token_grouped and url columns for an outside print house."""
    base = public_url.rstrip("/")
    count = 0
    with open_new(out) as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["serial", "token", "token_grouped", "url"])
        for card in cards:
            digits = card.token.digits
            writer.writerow([card.serial, digits, card.token.grouped, f"{base}/v/{digits}"])
            count += 1
    return count


def _crop_marks(grid: Sheet) -> Content:
    """Trim marks in the margins at every cut line, kept clear of the cards themselves."""
    marks = Content()
    xs, ys = grid.cut_lines()
    gap, length = 2 * MM, 6 * MM
    top, bottom, left, right = ys[-1], ys[0], xs[0], xs[-1]
    for x in xs:
        marks.line(x, top + gap, x, top + gap + length)
        marks.line(x, bottom - gap, x, bottom - gap - length)
    for y in ys:
        marks.line(left - gap, y, left - gap - length, y)
        marks.line(right + gap, y, right + gap + length, y)
    return marks
