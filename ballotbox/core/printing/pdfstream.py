"""A small PDF writer that streams page by page, so 100,000 cards use flat memory.

ReportLab's canvas keeps every page in memory until ``save()`` (measured: 388 MB
for 30,000 cards and growing linearly), so card runs are written here instead:
each page's content goes to disk as soon as it is finished and only the byte
offsets of the objects stay in memory.  Text is set in the shipped DejaVu Sans
(``typeface.py``): the glyphs each file uses are noted as pages are written,
and the font subsets are embedded when the file is closed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import BinaryIO, Final

from ballotbox.core.printing.typeface import (
    Typeface,
    UnprintableTextError,
    font_subset,
    subset_tag,
    typeface,
)

__all__ = [
    "BOLD",
    "MM",
    "REGULAR",
    "Content",
    "PdfStream",
    "UnprintableTextError",
    "check_text",
    "num",
    "text_width",
    "widest",
    "wrap",
]

MM: Final = 72 / 25.4
_BITS: Final = bytes.maketrans(b"\x00\x01", b"01")
FONTS: Final = {"F1": "regular", "F2": "bold"}
REGULAR: Final = "F1"
BOLD: Final = "F2"


def face(font: str) -> Typeface:
    """The typeface behind a font alias (``F1`` regular, ``F2`` bold)."""
    return typeface(FONTS[font])


def check_text(text: str, font: str = REGULAR) -> None:
    """Raise :class:`UnprintableTextError` if ``font`` cannot print every character of ``text``."""
    face(font).set(text)


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of ``text`` set in ``font`` (``F1``/``F2``) at ``size``."""
    f = face(font)
    return f.width(text) * size / f.units


def num(value: float) -> str:
    """A compact PDF number (two decimals, no trailing zeros)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def text_string(text: str) -> str:
    """A PDF text string (document title, ActualText): UTF-16 with a byte-order mark, in hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


class Content:
    """Builds one content stream: text, lines and filled module grids."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.chars: dict[str, set[str]] = {}
        self.glyphs: dict[str, dict[int, str]] = {}

    def raw(self, operators: str) -> None:
        """Append content-stream operators as they are."""
        self._parts.append(operators)

    def text(self, x: float, y: float, text: str, font: str, size: float, grey: float = 0) -> None:
        """Draw one line of text with its baseline starting at (x, y)."""
        f = face(font)
        glyphs = f.set(text)
        if glyphs.chars:
            self.chars.setdefault(font, set()).update(glyphs.chars)
        for gid, meaning in glyphs.used:
            self.glyphs.setdefault(font, {}).setdefault(gid, meaning)
        shown = glyphs.show(size, f.units)
        if glyphs.actual is not None:
            # Shaped text (Arabic, marks): extraction reads the logical text, not the glyphs.
            shown = f"/Span << /ActualText {text_string(glyphs.actual)} >> BDC {shown} EMC"
        line = f"BT {num(grey)} g /{font} {num(size)} Tf {num(x)} {num(y)} Td {shown} ET"
        self._parts.append(line)

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.25) -> None:
        """Stroke a straight black line."""
        self._parts.append(f"{num(width)} w {num(x1)} {num(y1)} m {num(x2)} {num(y2)} l S")

    def modules(self, x: float, y: float, module: float, rows: Sequence[Sequence[int]]) -> None:
        """Fill a grid of dark modules (a QR code) with its top-left corner at (x, y).

        The grid is drawn as a one-bit image mask (an inline image that paints
        the fill colour where a bit is set), scaled so that each bit is one
        module: a few hundred bytes, sharp at any resolution, and packed
        without a loop per module.
        """
        size = len(rows)
        side = size * module
        pad = -size % 8
        hexrows = []
        for row in rows:
            bits = int(bytes(row).translate(_BITS), 2) << pad
            hexrows.append(f"{bits:0{(size + pad) // 4}X}")
        self._parts.append(
            f"q 0 g {num(side)} 0 0 {num(side)} {num(x)} {num(y - side)} cm "
            f"BI /W {size} /H {size} /IM true /BPC 1 /D [1 0] /F /AHx ID "
            f"{''.join(hexrows)}> EI Q"
        )

    def extend(self, other: Content) -> None:
        """Append another content's operators."""
        self._parts.extend(other._parts)
        for font, chars in other.chars.items():
            self.chars.setdefault(font, set()).update(chars)
        for font, glyphs in other.glyphs.items():
            mine = self.glyphs.setdefault(font, {})
            for gid, meaning in glyphs.items():
                mine.setdefault(gid, meaning)

    def tobytes(self) -> bytes:
        """The operators as bytes (all ASCII: text is drawn as glyph ids in hex)."""
        return "\n".join(self._parts).encode("ascii")


class PdfStream:
    """Writes a PDF to ``fh`` one page at a time; call ``close()`` to finish it."""

    def __init__(
        self, fh: BinaryIO, page_size: tuple[float, float], *, title: str, compress: bool = True
    ) -> None:
        self._fh = fh
        self._size = page_size
        self._compress = compress
        self._offsets: dict[int, int] = {}
        self._pages: list[int] = []
        self._forms: dict[str, int] = {}
        self._chars: dict[str, set[str]] = {alias: set() for alias in FONTS}
        self._glyphs: dict[str, dict[int, str]] = {alias: {} for alias in FONTS}
        self._next = 6  # 1 catalog, 2 pages, 3-4 fonts (written at the close), 5 info
        self._written = 0
        self._put(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self._object(5, f"<< /Title {text_string(title)} /Producer (ballotbox) >>".encode())

    @property
    def pages(self) -> int:
        """How many pages have been written so far."""
        return len(self._pages)

    def add_form(self, name: str, width: float, height: float, content: Content) -> None:
        """Store ``content`` once as a form XObject that pages can draw by ``name``."""
        number = self._new()
        extra = (
            f"/Type /XObject /Subtype /Form /BBox [0 0 {num(width)} {num(height)}] "
            f"/Resources {self._resources()}"
        )
        self._note(content)
        self._stream(number, content.tobytes(), extra)
        self._forms[name] = number

    def add_page(self, content: Content) -> None:
        """Write one page now; nothing of it stays in memory."""
        self._note(content)
        stream = self._new()
        self._stream(stream, content.tobytes(), "")
        page = self._new()
        width, height = self._size
        self._object(
            page,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {num(width)} {num(height)}] "
            f"/Resources {self._resources()} /Contents {stream} 0 R >>".encode(),
        )
        self._pages.append(page)

    def close(self) -> None:
        """Embed the font subsets; write the page tree, catalogue, cross-references and trailer."""
        for number, alias in enumerate(FONTS, start=3):
            self._font(number, alias)
        kids = " ".join(f"{p} 0 R" for p in self._pages)
        self._object(2, f"<< /Type /Pages /Count {len(self._pages)} /Kids [{kids}] >>".encode())
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        xref_at = self._written
        count = self._next
        lines = [f"xref\n0 {count}\n", "0000000000 65535 f \n"]
        lines += [f"{self._offsets[n]:010d} 00000 n \n" for n in range(1, count)]
        self._put("".join(lines).encode())
        self._put(
            f"trailer\n<< /Size {count} /Root 1 0 R /Info 5 0 R >>\n"
            f"startxref\n{xref_at}\n%%EOF\n".encode()
        )

    def _note(self, content: Content) -> None:
        for alias, chars in content.chars.items():
            self._chars[alias].update(chars)
        for alias, glyphs in content.glyphs.items():
            mine = self._glyphs[alias]
            for gid, meaning in glyphs.items():
                mine.setdefault(gid, meaning)

    def _font(self, number: int, alias: str) -> None:
        """A Type0 font over a CIDFontType2 subset; the codes are the full font's glyph ids
        (Identity-H), mapped to the subset's by a CIDToGIDMap."""
        style = FONTS[alias]
        f = typeface(style)
        meanings: dict[int, str] = {}
        for ch in sorted(self._chars[alias]):  # sorted: the same file for the same text
            meanings.setdefault(f.glyph_id(ch), ch)
        for gid, meaning in sorted(self._glyphs[alias].items()):
            meanings.setdefault(gid, meaning)
        gids = sorted(meanings) or [0]  # a file with no text in this font still names one
        name = f"{subset_tag(style, gids)}+{f.name}"
        program, new_ids = font_subset(style, frozenset(gids))
        cid_map = bytearray(2 * (gids[-1] + 1))
        for gid, new in new_ids.items():
            cid_map[2 * gid : 2 * gid + 2] = new.to_bytes(2, "big")
        map_number = self._new()
        self._stream(map_number, bytes(cid_map), "")
        file_number = self._new()
        self._stream(file_number, program, f"/Length1 {len(program)}")
        cmap_number = self._new()
        self._stream(cmap_number, _to_unicode(meanings), "")
        descriptor = self._new()
        bbox = " ".join(str(v) for v in f.bbox)
        self._object(
            descriptor,
            f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{bbox}] "
            f"/ItalicAngle 0 /Ascent {f.ascent} /Descent {f.descent} /CapHeight {f.cap_height} "
            f"/StemV {140 if f.bold else 80} /FontFile2 {file_number} 0 R >>".encode(),
        )
        widths = " ".join(f"{g} [{round(f.widths[g] * 1000 / f.units)}]" for g in gids)
        cid_font = self._new()
        self._object(
            cid_font,
            f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] "
            f"/CIDToGIDMap {map_number} 0 R >>".encode(),
        )
        self._object(
            number,
            f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
            f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {cmap_number} 0 R >>".encode(),
        )

    def _resources(self) -> str:
        fonts = " ".join(f"/{alias} {n} 0 R" for n, alias in enumerate(FONTS, start=3))
        forms = " ".join(f"/{name} {n} 0 R" for name, n in self._forms.items())
        xobjects = f" /XObject << {forms} >>" if forms else ""
        return f"<< /Font << {fonts} >>{xobjects} >>"

    def _new(self) -> int:
        self._next += 1
        return self._next - 1

    def _stream(self, number: int, data: bytes, extra: str) -> None:
        if self._compress:
            data = zlib.compress(data, 6)
            extra += " /Filter /FlateDecode"
        self._object(
            number, f"<< {extra} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"
        )

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._written
        self._put(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")

    def _put(self, data: bytes) -> None:
        self._fh.write(data)
        self._written += len(data)


def _to_unicode(meanings: dict[int, str]) -> bytes:
    """A ToUnicode CMap from glyph ids to the text each stands for."""
    entries = [
        f"<{gid:04X}> <{text.encode('utf-16-be').hex().upper()}>"
        for gid, text in sorted(meanings.items())
    ]
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 mappings per block
        chunk = entries[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
            *blocks,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    ).encode("ascii")


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (a long word gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def widest(lines: Iterable[str], font: str, size: float) -> float:
    """The width of the widest of ``lines``."""
    return max((text_width(line, font, size) for line in lines), default=0.0)
