"""Card print runs: a stream of (token, serial) in, PDF pages or a print-house CSV out.

Pure: takes plain data, writes files, imports no database or web code.  The
cards are consumed lazily and each page is written as soon as it is full, so
memory stays flat however long the run.  Existing files are never
overwritten.  With ``split`` the run is cut into several PDFs and a JSON
manifest records each file's card count, serial range and SHA-256, for stock
accounting at the printer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.printing.carddesign import CardDesign, CardInfo, MethodHint, design_card
from ballotbox.core.printing.layouts import CARD_SHEETS, Sheet, sheet
from ballotbox.core.printing.outputs import (
    OutputExistsError,
    open_new,
    refuse_existing,
    sha256_file,
)
from ballotbox.core.printing.pdfstream import MM, Content, PdfStream, num
from ballotbox.core.printing.qr import Encoder, default_encoder
from ballotbox.core.tokens.format import Token

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


@dataclass(frozen=True, slots=True)
class CardData:
    """One card to print: its token and the serial printed on it for stock accounting."""

    token: Token
    serial: str


@dataclass(slots=True)
class _Part:
    path: Path
    cards: int = 0
    pages: int = 0
    first_serial: str = ""
    last_serial: str = ""


def manifest_path(out: Path) -> Path:
    """Where the manifest of a split run is written: ``<stem>.manifest.json`` beside ``out``."""
    return out.with_name(f"{out.stem}.manifest.json")


def part_paths(out: Path, count: int) -> list[Path]:
    """The file names of a split run: ``cards-001.pdf``, ``cards-002.pdf``…"""
    return [out.with_name(f"{out.stem}-{n:03d}{out.suffix}") for n in range(1, count + 1)]


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
    if split is not None and split < 1:
        raise InputError(N_("Cards per file must be at least 1, not {split}."), split=split)
    design = design_card(info, layout, grid.item_width, grid.item_height)
    encode = encoder or default_encoder()
    stream = iter(cards)
    first = next(stream, None)
    if first is None:
        raise InputError(N_("There are no cards to print."))
    if split is None:
        refuse_existing(out)
    else:
        _refuse_split_outputs(out)
    created: list[Path] = []
    parts: list[_Part] = []
    try:
        total = _write_parts(
            _chain(first, stream), out, grid, design, info, encode, split, parts, created, progress
        )
        if split is not None:
            _write_manifest(out, layout, grid, total, parts, created)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return total


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


def _chain(first: CardData, rest: Iterator[CardData]) -> Iterator[CardData]:
    yield first
    yield from rest


def _refuse_split_outputs(out: Path) -> None:
    # Parts left by an earlier run would mix two print runs in one folder.
    stale = sorted(out.parent.glob(f"{out.stem}-[0-9][0-9][0-9]{out.suffix}"))
    refuse_existing(manifest_path(out), *stale)


def _write_parts(
    cards: Iterator[CardData],
    out: Path,
    grid: Sheet,
    design: CardDesign,
    info: CardInfo,
    encode: Encoder,
    split: int | None,
    parts: list[_Part],
    created: list[Path],
    progress: Callable[[int], None] | None,
) -> int:
    total = 0
    fh: BinaryIO | None = None
    pdf: PdfStream | None = None
    page: list[CardData] = []

    def flush() -> None:
        nonlocal total
        if pdf is None or not page:
            return
        pdf.add_page(_page_content(page, grid, design, info, encode))
        part = parts[-1]
        part.pages += 1
        total += len(page)
        page.clear()
        if progress is not None:
            progress(total)

    def finish() -> None:
        nonlocal fh, pdf
        flush()
        if pdf is not None and fh is not None:
            pdf.close()
            fh.close()
        fh, pdf = None, None

    for card in cards:
        if not isinstance(card.token, Token):
            raise TypeError("CardData.token must be a ballotbox.core.tokens.format.Token")
        if pdf is None or (split is not None and parts[-1].cards == split):
            finish()
            path = out if split is None else part_paths(out, len(parts) + 1)[-1]
            fh = open_new(path)
            created.append(path)
            parts.append(_Part(path, first_serial=card.serial))
            pdf = PdfStream(fh, grid.page, title=f"{info.organisation}: {info.title}")
            pdf.add_form("Card", design.width, design.height, design.static)
            if grid.crop_marks:
                pdf.add_form("Marks", *grid.page, _crop_marks(grid))
        part = parts[-1]
        part.cards += 1
        part.last_serial = card.serial
        page.append(card)
        if len(page) == grid.per_page:
            flush()
    finish()
    return total


def _page_content(
    page: list[CardData], grid: Sheet, design: CardDesign, info: CardInfo, encode: Encoder
) -> Content:
    content = Content()
    if grid.crop_marks:
        content.raw("/Marks Do")
    for slot, card in enumerate(page):
        x, y = grid.origin(slot)
        content.raw(f"q 1 0 0 1 {num(x)} {num(y)} cm /Card Do")
        matrix = encode(info.vote_url(card.token))
        content.extend(design.card_content(card.token, card.serial, matrix))
        content.raw("Q")
    return content


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


def _write_manifest(
    out: Path, layout: str, grid: Sheet, total: int, parts: list[_Part], created: list[Path]
) -> None:
    manifest = {
        "layout": layout,
        "sheet": grid.description,
        "cards": total,
        "files": [
            {
                "file": part.path.name,
                "cards": part.cards,
                "pages": part.pages,
                "first_serial": part.first_serial,
                "last_serial": part.last_serial,
                "sha256": sha256_file(part.path),
            }
            for part in parts
        ],
    }
    path = manifest_path(out)
    with open_new(path) as fh:
        created.append(path)
        fh.write((json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
