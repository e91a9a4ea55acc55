"""Address labels for posting cards: names and addresses only, never a token.

The card print run and the address run never meet in one file: this module
takes ``Member`` records, which have no token field, and refuses any label
line that looks like a ballot token (a register column holding tokens by
mistake).  Envelopes are filled with shuffled, sealed cards by hand, so nobody
can link a member to a token.

Names and addresses print exactly as the register spells them, in any script
the embedded font covers; a character it lacks stops the run naming the
member, the character and the text.  Type is never smaller than 8 pt: long
lines wrap, and a label that still cannot hold its address stops the run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.members.registers import Member
from ballotbox.core.printing.layouts import LABEL_SHEETS, sheet
from ballotbox.core.printing.outputs import open_new, refuse_existing
from ballotbox.core.printing.pdfstream import (
    BOLD,
    MM,
    REGULAR,
    Content,
    PdfStream,
    UnprintableTextError,
    num,
    text_width,
    wrap,
)
from ballotbox.core.tokens.format import looks_like_token

_DIGIT_RUN = re.compile(r"\d[\d\s.\-]{18,}\d")


class TokenOnLabelError(InputError):
    """A label line that looks like a ballot token: tokens must never reach the address run."""

    code = "token_on_label"
    template = N_(
        "Member {number}'s address contains what looks like a ballot token; "
        "tokens must never appear on address labels."
    )


class LabelTextError(InputError):
    """A member's name or address that cannot go on a label as the register spells it."""

    code = "label_text"
    template = N_("Member {number}'s label cannot be printed: {problem}")


class LabelTooLongError(InputError):
    """A name and address too long for the label even at the smallest type size."""

    code = "label_too_long"
    template = N_(
        "Member {number}'s name and address do not fit a {layout} label at {size} pt; "
        "use the larger l7163 labels or shorten the address in the register."
    )


@dataclass(frozen=True, slots=True)
class LabelRun:
    """What was printed: the label count and members skipped for want of an address."""

    labels: int
    no_address: tuple[str, ...]


MIN_SIZE = 8.0  # no text under 8 pt on any printed page


def label_lines(member: Member) -> list[str]:
    """The lines printed on a member's label: name, address lines, postcode."""
    lines = [member.name, *member.address, member.postcode]
    return [line for line in (" ".join(part.split()) for part in lines) if line]


def render_address_labels(members: Iterable[Member], out: Path, layout: str = "l7163") -> LabelRun:
    """Print name-and-address labels on an Avery sheet; no token is ever written."""
    grid = sheet(layout, LABEL_SHEETS)
    refuse_existing(out)
    inset = 5 * MM
    count = 0
    no_address: list[str] = []
    fh = open_new(out)
    try:
        pdf = PdfStream(fh, grid.page, title="Address labels")
        page = Content()
        slot = 0
        for member in members:
            if not member.address and not member.postcode:
                no_address.append(member.number)
                continue
            lines = label_lines(member)
            for line in lines:
                for run in _DIGIT_RUN.findall(line):
                    if looks_like_token(run):
                        raise TokenOnLabelError(number=member.number)
            x, y = grid.origin(slot)
            try:
                fitted = _fit(lines, grid.item_width - 2 * inset, grid.item_height - 6 * MM)
            except UnprintableTextError as error:
                raise LabelTextError(number=member.number, problem=error.message) from None
            if fitted is None:
                raise LabelTooLongError(number=member.number, layout=layout, size=f"{MIN_SIZE:g}")
            _draw_label(page, x, y, grid.item_width, grid.item_height, inset, *fitted)
            count += 1
            slot += 1
            if slot == grid.per_page:
                pdf.add_page(page)
                page, slot = Content(), 0
        if slot or pdf.pages == 0:
            pdf.add_page(page)
        pdf.close()
        fh.close()
    except BaseException:
        fh.close()
        out.unlink(missing_ok=True)
        raise
    return LabelRun(count, tuple(no_address))


def _fit(lines: list[str], width: float, height: float) -> tuple[list[str], float, int] | None:
    """The lines wrapped to the label's width at the largest size from 10 pt down to 8 pt,
    with how many of them are the (bold) name."""
    size = 10.0
    while size >= MIN_SIZE:  # first, the largest size at which no line has to wrap
        fonts = [BOLD] + [REGULAR] * (len(lines) - 1)
        fits = all(text_width(line, f, size) <= width for line, f in zip(lines, fonts, strict=True))
        if fits and len(lines) * size * 1.2 <= height:
            return lines, size, 1
        size -= 0.5
    size = 10.0
    while size >= MIN_SIZE:
        name = _wrap_hard(lines[0], width, BOLD, size)
        rest = [part for line in lines[1:] for part in _wrap_hard(line, width, REGULAR, size)]
        if (len(name) + len(rest)) * size * 1.2 <= height:
            return [*name, *rest], size, len(name)
        size -= 0.5
    return None


def _wrap_hard(text: str, width: float, font: str, size: float) -> list[str]:
    """Wrap at spaces; a single word wider than the label is split between characters."""
    out: list[str] = []
    for line in wrap(text, width, font, size):
        while text_width(line, font, size) > width:
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], font, size) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _draw_label(
    page: Content,
    x: float,
    y: float,
    width: float,
    height: float,
    inset: float,
    lines: list[str],
    size: float,
    bold: int,
) -> None:
    leading = size * 1.2
    # Centre the block vertically; the name (its first ``bold`` lines) in bold.
    top = y + height / 2 + len(lines) * leading / 2 - size
    page.raw(f"q {num(x)} {num(y)} {num(width)} {num(height)} re W n")
    for n, line in enumerate(lines):
        font = BOLD if n < bold else REGULAR
        page.text(x + inset, top - n * leading, line, font, size)
    page.raw("Q")
