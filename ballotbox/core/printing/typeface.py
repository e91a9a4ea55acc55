"""The typeface every printed page uses: DejaVu Sans and Sans Bold, shipped in ``fonts/``.

Names are printed exactly as the register spells them, in any script the font
covers (Latin with every European accent, Greek, Cyrillic, Arabic, Hebrew…),
so each PDF embeds the font rather than relying on the 14 standard PDF fonts,
which stop at Windows-1252.  Each file embeds only the glyphs it uses (a
subset made with fontTools when the file is closed), as a Type0 font with
Identity-H encoding whose codes are the font's own glyph ids; a ToUnicode map
lets text extraction, search and screen readers return the exact text.

Most text (Latin, Greek, Cyrillic) needs no shaping: one character, one glyph,
its advance from the font.  Text with right-to-left letters, combining marks
or joining controls goes through HarfBuzz (``uharfbuzz``), which joins Arabic
letters and places marks, in simple bidirectional runs (see
:func:`_visual_runs`), and carries its logical text as ``/ActualText``.

A character that no glyph covers refuses the text (:class:`UnprintableTextError`
names it and the text it is in): a name is never printed differently from the
register.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

FONT_DIR: Final = Path(__file__).with_name("fonts")
FILES: Final = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}

_RTL = frozenset({"R", "AL"})
_LTR_IN_RTL = frozenset({"L", "EN", "AN"})
_WHITESPACE_CHARS = "\t\n\r\x0b\x0c\x85\u2028\u2029"
_WHITESPACE = {ord(c): " " for c in _WHITESPACE_CHARS}


class UnprintableTextError(InputError):
    """Text with a character that no embedded font can print."""

    code = "unprintable_text"
    template = N_(
        "“{character}” (U+{codepoint}) in “{text}” cannot be printed: no embedded font has it."
    )

    def __init__(self, *, character: str, text: str) -> None:
        super().__init__(character=character, codepoint=f"{ord(character):04X}", text=text)


@dataclass(frozen=True, slots=True)
class Glyphs:
    """A line of text set in one typeface: what to draw, how wide, and which glyphs it uses."""

    segments: tuple[tuple[str, int], ...]  # text-showing operators, each with a rise (font units)
    width: int  # font units (shaped text only: measure plain text with Typeface.width)
    chars: str = ""  # unshaped text: its characters are its glyphs
    used: tuple[tuple[int, str], ...] = ()  # shaped text: glyph id and the text it stands for
    actual: str | None = None  # shaped text: the logical text, for extraction

    def show(self, size: float, units: int) -> str:
        """The operators that draw the line at ``size`` points (after ``Tf`` and ``Td``)."""
        if len(self.segments) == 1 and not self.segments[0][1]:
            return self.segments[0][0]
        out = []
        for operators, rise in self.segments:
            if rise:
                out.append(f"{_num(rise * size / units)} Ts {operators} 0 Ts")
            else:
                out.append(operators)
        return " ".join(out)


class Typeface:
    """One TrueType font: metrics, shaping and per-file subsets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        font = TTFont(path, lazy=True)
        self.units: int = font["head"].unitsPerEm
        glyph_ids = font.getReverseGlyphMap()
        cmap = font.getBestCmap()
        metrics = font["hmtx"].metrics
        self._advance: dict[str, int] = {}
        self._hex: dict[int, str] = {}  # a str.translate table: character -> glyph id in hex
        self._gid: dict[str, int] = {}
        for codepoint, name in cmap.items():
            ch = chr(codepoint)
            gid = glyph_ids[name]
            self._gid[ch] = gid
            self._advance[ch] = metrics[name][0]
            self._hex[codepoint] = f"{gid:04X}"
        # Characters drawn as their own glyph, unshaped: the quick path for most text.
        self._plain = frozenset(
            c
            for c in self._gid
            if unicodedata.category(c)[0] not in "CZ" or unicodedata.category(c) == "Zs"
            if c not in _WHITESPACE_CHARS and not _needs_shaping(c)
        )
        self.widths: list[int] = [metrics[name][0] for name in font.getGlyphOrder()]
        self.name: str = font["name"].getDebugName(6) or path.stem
        head, hhea = font["head"], font["hhea"]
        self.bbox = tuple(
            round(v * 1000 / self.units) for v in (head.xMin, head.yMin, head.xMax, head.yMax)
        )
        self.ascent = round(hhea.ascent * 1000 / self.units)
        self.descent = round(hhea.descent * 1000 / self.units)
        self.cap_height = round(
            font["glyf"][cmap[ord("H")]].yMax * 1000 / self.units if ord("H") in cmap else 700
        )
        self.bold = "Bold" in self.name
        self._hb: Any = None

    def glyph_id(self, ch: str) -> int:
        """The glyph id that draws ``ch`` unshaped."""
        return self._gid[ch]

    def covers(self, ch: str) -> bool:
        """Whether the font has a glyph for ``ch``."""
        return ch in self._gid

    def set(self, text: str) -> Glyphs:
        """``text`` as glyphs; raise :class:`UnprintableTextError` for a character it lacks."""
        if not self._plain.issuperset(text):
            text = unicodedata.normalize("NFC", text.translate(_WHITESPACE))
            if _needs_shaping(text):
                return self._complex(text)
        codes = text.translate(self._hex)
        if len(codes) != 4 * len(text):  # a character the cmap lacks was left as it was
            return self._complex(text)
        return Glyphs(((f"<{codes}> Tj", 0),), 0, chars=text)

    def width(self, text: str) -> int:
        """The advance width of ``text`` in font units."""
        if not self._plain.issuperset(text):
            text = unicodedata.normalize("NFC", text.translate(_WHITESPACE))
            if _needs_shaping(text):
                return self._complex(text).width
        try:
            return sum(map(self._advance.__getitem__, text))
        except KeyError:
            return self._complex(text).width

    def _complex(self, text: str) -> Glyphs:
        for ch in text:
            if ch not in self._gid and unicodedata.category(ch) != "Cf":
                raise UnprintableTextError(character=ch, text=text)
        import uharfbuzz as hb  # type: ignore[import-untyped]

        if self._hb is None:
            self._hb = hb.Font(hb.Face(hb.Blob.from_file_path(str(self.path))))
        segments: list[tuple[str, int]] = []
        used: dict[int, str] = {}
        pen = pdf_pen = 0
        pending: list[str] = []
        for run, rtl in _visual_runs(text):
            buffer = hb.Buffer()
            buffer.add_str(run)
            buffer.guess_segment_properties()
            buffer.direction = "rtl" if rtl else "ltr"
            hb.shape(self._hb, buffer, {})
            infos, positions = buffer.glyph_infos, buffer.glyph_positions
            clusters = sorted({info.cluster for info in infos}) + [len(run)]
            nominal = {self._gid[c]: c for c in run if c in self._gid}
            for info, pos in zip(infos, positions, strict=True):
                gid = info.codepoint
                if gid == 0:
                    raise UnprintableTextError(character=run[info.cluster], text=text)
                if gid in nominal:
                    used.setdefault(gid, nominal[gid])
                elif gid not in used:  # a joined form or ligature: the text of its cluster
                    end = clusters[clusters.index(info.cluster) + 1]
                    used[gid] = run[info.cluster : end]
                target = pen + pos.x_offset
                if target != pdf_pen:
                    pending.append(_num(-(target - pdf_pen) * 1000 / self.units))
                pending.append(f"<{gid:04X}>")
                if pos.y_offset:
                    # A raised or lowered mark: its own segment, drawn with a text rise.
                    *before, glyph = pending
                    if before:
                        segments.append((f"[{' '.join(before)}] TJ", 0))
                    segments.append((f"[{glyph}] TJ", pos.y_offset))
                    pending = []
                pdf_pen = target + self.widths[gid]
                pen += pos.x_advance
        if pending:
            segments.append((f"[{' '.join(pending)}] TJ", 0))
        return Glyphs(tuple(segments), pen, used=tuple(used.items()), actual=text)


def _needs_shaping(text: str) -> bool:
    if text.isascii():
        return False
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.bidirectional(ch) in _RTL:
            return True
        if unicodedata.category(ch) in ("Mn", "Mc", "Me", "Cf"):
            return True
    return False


def _visual_runs(text: str) -> list[tuple[str, bool]]:
    """Split ``text`` into direction runs, in left-to-right display order.

    A small part of the Unicode bidirectional algorithm, enough for names and
    addresses on a left-to-right page: spaces and punctuation between two
    letters of one direction join them, otherwise they are left to right;
    digits stay left to right.  Each run is shaped in its own direction
    (HarfBuzz puts a right-to-left run's glyphs in display order) and the
    runs follow each other from the left, as the page reads.  So a numbered
    line "6. محمد" keeps its number on the left, where every other line has it.
    """
    classes = [unicodedata.bidirectional(c) for c in text]
    base_rtl = False
    strong: list[bool | None] = [
        True if c in _RTL else False if c in _LTR_IN_RTL else None for c in classes
    ]
    for i, value in enumerate(strong):
        if value is None:
            before = next((s for s in reversed(strong[:i]) if s is not None), base_rtl)
            after = next((s for s in strong[i + 1 :] if s is not None), base_rtl)
            strong[i] = before if before == after else base_rtl
    runs: list[tuple[str, bool]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or strong[i] != strong[start]:
            runs.append((text[start:i], bool(strong[start])))
            start = i
    return runs[::-1] if base_rtl else runs


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@cache
def typeface(style: str) -> Typeface:
    """The shipped typeface for ``style`` (``regular`` or ``bold``), loaded once."""
    return Typeface(FONT_DIR / FILES[style])


def subset_tag(style: str, glyphs: Iterable[int]) -> str:
    """Six capital letters naming a subset, as PDF requires (the same glyphs, the same tag)."""
    digest = hashlib.sha256(f"{style}:{sorted(glyphs)}".encode()).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "kern", "MATH", "FFTM", "gasp", "fpgm", "prep", "cvt ")


@cache
def _stripped(style: str) -> bytes:
    """The font without the tables a PDF never reads (layout, hinting), once per process.

    Subsetting the full font would decompile its large layout tables every
    time, which costs more than a second; stripped first, a subset takes a
    few hundredths.
    """
    font = TTFont(FONT_DIR / FILES[style])
    for tag in _UNUSED_TABLES:
        if tag in font:
            del font[tag]
    font["post"].formatType = 3.0  # no glyph names: nothing reads them
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=16)
def font_subset(style: str, glyphs: frozenset[int]) -> tuple[bytes, dict[int, int]]:
    """The TrueType file holding only ``glyphs``, and where each original glyph id went.

    The page content keeps the original glyph ids as its codes (so a page can be
    written before the file knows every glyph it will use); the PDF maps them
    to the subset's ids with a CIDToGIDMap.
    """
    font = TTFont(io.BytesIO(_stripped(style)))
    # Plain names by id, set before any table is read: building names from the
    # cmap would cost more than the subsetting itself.
    order = [f"g{gid}" for gid in range(font["maxp"].numGlyphs)]
    font.setGlyphOrder(order)
    wanted = sorted(glyphs | {0})
    options = subset.Options()
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.name_languages = [0x409]
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=[order[gid] for gid in wanted])
    subsetter.subset(font)
    new_ids = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), {gid: new_ids[order[gid]] for gid in wanted}
