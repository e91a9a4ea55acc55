"""Address labels for posting cards: names and addresses only, never a token.

The card print run and the address run never meet in one file: this module
takes ``Member`` records, which have no token field, and refuses any label
line that looks like a ballot token (a register column holding tokens by
mistake).  Envelopes are filled with shuffled, sealed cards by hand, so nobody
can link a member to a token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.members.registers import Member
from ballotbox.core.printing.layouts import LABEL_SHEETS, sheet
from ballotbox.core.printing.outputs import open_new, refuse_existing
from ballotbox.core.printing.pdfstream import BOLD, MM, REGULAR, Content, PdfStream, num, text_width
from ballotbox.core.tokens.format import looks_like_token

_DIGIT_RUN = re.compile(r"\d[\d\s.\-]{18,}\d")


class TokenOnLabelError(InputError):
    """A label line that looks like a ballot token: tokens must never reach the address run."""

    code = "token_on_label"
    template = N_(
        "Member {number}'s address contains what looks like a ballot token; "
        "tokens must never appear on address labels."
    )


@dataclass(frozen=True, slots=True)
class LabelRun:
    """What was printed: the label count, members skipped for want of an address, and
    members whose text had characters the label font lacks (printed without accents)."""

    labels: int
    no_address: tuple[str, ...]
    simplified: tuple[str, ...]


def printable(text: str) -> str:
    """``text`` in Windows-1252 characters: accents the font lacks dropped, others as "?"."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch)
            plain = "".join(c for c in base if not unicodedata.combining(c))
            out.append(plain if plain and plain.isascii() else _FALLBACK.get(ch, "?"))
    return "".join(out)


_FALLBACK = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h"}


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
    simplified: list[str] = []
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
            printed = [printable(line) for line in lines]
            if printed != lines:
                simplified.append(member.number)
            x, y = grid.origin(slot)
            _draw_label(page, x, y, grid.item_width, grid.item_height, inset, printed)
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
    return LabelRun(count, tuple(no_address), tuple(simplified))


def _draw_label(
    page: Content, x: float, y: float, width: float, height: float, inset: float, lines: list[str]
) -> None:
    usable = width - 2 * inset
    size = 10.0
    while size > 7 and (
        len(lines) * size * 1.2 > height - 2 * 3 * MM
        or any(text_width(line, REGULAR, size) > usable for line in lines)
    ):
        size -= 0.5
    leading = size * 1.2
    # Centre the block vertically; the name in bold, the postcode on its own last line.
    top = y + height / 2 + len(lines) * leading / 2 - size
    page.raw(f"q {num(x)} {num(y)} {num(width)} {num(height)} re W n")
    for n, line in enumerate(lines):
        font = BOLD if n == 0 else REGULAR
        page.text(x + inset, top - n * leading, line, font, size)
    page.raw("Q")
