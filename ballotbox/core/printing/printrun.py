"""Streaming print runs: tokens in, PDF pages out, optionally split into files with a manifest.

Shared by cards and ballot papers.  Items are consumed lazily and each batch
(a sheet of cards, or one ballot paper) is written as soon as it is complete,
so memory stays flat however long the run.  Existing files are never
overwritten.  With ``split`` the run is cut into several PDFs and a JSON
manifest records each file's item count, page count, serial range and
SHA-256, for stock accounting at the printer.  A run that fails half way
deletes what it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.printing.outputs import open_new, refuse_existing, sha256_file
from ballotbox.core.printing.pdfstream import Content, PdfStream
from ballotbox.core.tokens.format import Token


@dataclass(frozen=True, slots=True)
class CardData:
    """One card to print: its token and the serial printed on it for stock accounting."""

    token: Token
    serial: str


class Renderer(Protocol):
    """Draws items onto pages: a batch of items at a time, in PDF pages."""

    page: tuple[float, float]
    batch: int
    description: str

    def begin(self, pdf: PdfStream) -> None:
        """Store what every page shares (forms) in a newly opened file."""

    def pages(self, items: list[CardData]) -> list[Content]:
        """The pages, in print order, that carry ``items`` (at most ``batch`` of them)."""
        ...


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


def write_run(
    cards: Iterable[CardData],
    out: Path,
    renderer: Renderer,
    *,
    layout: str,
    title: str,
    progress: Callable[[int], None] | None = None,
    split: int | None = None,
) -> int:
    """Write every item through ``renderer`` to ``out`` (or split files plus a manifest)."""
    if split is not None and split < 1:
        raise InputError(N_("Cards per file must be at least 1, not {split}."), split=split)
    stream = iter(cards)
    first = next(stream, None)
    if first is None:
        raise InputError(N_("There are no cards to print."))
    if split is None:
        refuse_existing(out)
    else:
        # Parts left by an earlier run would mix two print runs in one folder.
        stale = sorted(out.parent.glob(f"{out.stem}-[0-9][0-9][0-9]{out.suffix}"))
        refuse_existing(manifest_path(out), *stale)
    created: list[Path] = []
    parts: list[_Part] = []
    try:
        total = _write_parts(
            _chain(first, stream), out, renderer, title, split, parts, created, progress
        )
        if split is not None:
            _write_manifest(out, layout, renderer, total, parts, created)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return total


def _chain(first: CardData, rest: Iterator[CardData]) -> Iterator[CardData]:
    yield first
    yield from rest


def _write_parts(
    cards: Iterator[CardData],
    out: Path,
    renderer: Renderer,
    title: str,
    split: int | None,
    parts: list[_Part],
    created: list[Path],
    progress: Callable[[int], None] | None,
) -> int:
    total = 0
    fh: BinaryIO | None = None
    pdf: PdfStream | None = None
    batch: list[CardData] = []

    def flush() -> None:
        nonlocal total
        if pdf is None or not batch:
            return
        for content in renderer.pages(batch):
            pdf.add_page(content)
            parts[-1].pages += 1
        total += len(batch)
        batch.clear()
        if progress is not None:
            progress(total)

    def finish() -> None:
        nonlocal fh, pdf
        flush()
        if pdf is not None and fh is not None:
            pdf.close()
            fh.close()
        fh, pdf = None, None

    try:
        for card in cards:
            if not isinstance(card.token, Token):
                raise TypeError("CardData.token must be a ballotbox.core.tokens.format.Token")
            if pdf is None or (split is not None and parts[-1].cards == split):
                finish()
                path = out if split is None else part_paths(out, len(parts) + 1)[-1]
                fh = open_new(path)
                created.append(path)
                parts.append(_Part(path, first_serial=card.serial))
                pdf = PdfStream(fh, renderer.page, title=title)
                renderer.begin(pdf)
            part = parts[-1]
            part.cards += 1
            part.last_serial = card.serial
            batch.append(card)
            if len(batch) == renderer.batch:
                flush()
        finish()
    finally:
        if fh is not None:
            fh.close()
    return total


def _write_manifest(
    out: Path, layout: str, renderer: Renderer, total: int, parts: list[_Part], created: list[Path]
) -> None:
    manifest = {
        "layout": layout,
        "sheet": renderer.description,
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
