"""Large-print A4 documents for members who check by post: no text under 14 pt.

A document is a list of :class:`Block` s (a few lines that are never split
across pages: one token and its vote, one round of a count).  The lines are
wrapped to the page, the blocks flowed onto pages, and every page carries the
same running lines at its foot (the election's commitment fingerprint) and a
page number "N of M", so a page that reaches a member alone still says what it
belongs to.  Text is set in the embedded DejaVu Sans (any script a name uses).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ballotbox.core.i18n import _
from ballotbox.core.printing.layouts import A4
from ballotbox.core.printing.outputs import open_new
from ballotbox.core.printing.pdfstream import (
    BOLD,
    MM,
    REGULAR,
    Content,
    PdfStream,
    check_text,
    wrap,
)

BODY = 14.0  # the smallest size anywhere on the page
HEADING = 18.0
TITLE = 22.0
MARGIN = 18 * MM
LEADING = 1.3


@dataclass(frozen=True)
class Line:
    """One paragraph of a block: wrapped to the page, at ``size`` in ``font``, indented."""

    text: str
    font: str = REGULAR
    size: float = BODY
    indent: float = 0.0


@dataclass
class Block:
    """Lines kept together on one page, with space after them."""

    lines: list[Line] = field(default_factory=list)
    space_after: float = BODY * 0.6

    def add(self, text: str, font: str = REGULAR, size: float = BODY, indent: float = 0) -> Block:
        """Append a paragraph and return the block (for chaining)."""
        self.lines.append(Line(text, font, max(size, BODY), indent))
        return self


def _set(block: Block, width: float) -> list[tuple[str, str, float, float]]:
    """The block's lines wrapped to ``width``: (text, font, size, indent) per printed line."""
    out = []
    for line in block.lines:
        check_text(line.text, line.font)
        for part in wrap(line.text, width - line.indent, line.font, line.size) or [""]:
            out.append((part, line.font, line.size, line.indent))
    return out


def _height(lines: Sequence[tuple[str, str, float, float]], block: Block) -> float:
    return sum(size * LEADING for _t, _f, size, _i in lines) + block.space_after


def write_large_print(
    blocks: Iterable[Block], out: Path, *, title: str, footer: Sequence[str]
) -> int:
    """Write ``blocks`` to a new A4 PDF at ``out`` with ``footer`` on every page; return pages."""
    width, height = A4
    text_width = width - 2 * MARGIN
    foot_lines = [
        part for text in footer for part in wrap(text, text_width, REGULAR, BODY)
    ]  # fmt: skip
    foot_height = (len(foot_lines) + 1) * BODY * LEADING + BODY
    top, bottom = height - MARGIN, MARGIN + foot_height
    pages: list[list[tuple[float, tuple[str, str, float, float]]]] = [[]]
    y = top
    for block in blocks:
        lines = _set(block, text_width)
        needed = _height(lines, block)
        if y - needed < bottom and pages[-1]:
            pages.append([])
            y = top
        for line in lines:
            size = line[2]
            y -= size * LEADING
            if y < bottom and pages[-1]:  # a block taller than a page runs on
                pages.append([])
                y = top - size * LEADING
            pages[-1].append((y, line))
        y -= block.space_after
    with open_new(out) as fh:
        pdf = PdfStream(fh, A4, title=title)
        for number, placed in enumerate(pages, start=1):
            content = Content()
            for y_at, (text, font, size, indent) in placed:
                if text:
                    content.text(MARGIN + indent, y_at, text, font, size)
            foot_y = MARGIN + foot_height - BODY
            content.line(MARGIN, foot_y, width - MARGIN, foot_y, 0.75)
            label = _("Page {number} of {total}").format(number=number, total=len(pages))
            for text in [*foot_lines, label]:
                foot_y -= BODY * LEADING
                content.text(MARGIN, foot_y, text, BOLD if text == label else REGULAR, BODY)
            pdf.add_page(content)
        pdf.close()
    return len(pages)


def grouped_hex(value: str, group: int = 4) -> str:
    """A long hex string in groups of four, as it is read aloud or compared by eye."""
    return " ".join(value[i : i + group] for i in range(0, len(value), group))


__all__ = ["BODY", "BOLD", "HEADING", "REGULAR", "TITLE", "Block", "Line", "grouped_hex"]
