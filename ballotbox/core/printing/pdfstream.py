"""A small PDF writer that streams page by page, so 100,000 cards use flat memory.

ReportLab's canvas keeps every page in memory until ``save()`` (measured: 388 MB
for 30,000 cards and growing linearly), so card runs are written here instead:
each page's content goes to disk as soon as it is finished and only the byte
offsets of the objects stay in memory.  Text uses the standard Helvetica fonts
(no embedding, WinAnsi encoding); ReportLab supplies their metrics.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import BinaryIO, Final

from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_

MM: Final = 72 / 25.4
FONTS: Final = {"F1": "Helvetica", "F2": "Helvetica-Bold"}
REGULAR: Final = "F1"
BOLD: Final = "F2"

_ESCAPES = {ord("\\"): "\\\\", ord("("): "\\(", ord(")"): "\\)", ord("\r"): " ", ord("\n"): " "}


class UnprintableTextError(InputError):
    """Text that the standard PDF fonts (Windows-1252 characters) cannot print."""

    code = "unprintable_text"
    template = N_("“{character}” in “{text}” cannot be printed with the card fonts.")


def encode_text(text: str) -> bytes:
    """A PDF string literal for ``text`` in WinAnsi encoding; raise if a character has no glyph."""
    for ch in text:
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            raise UnprintableTextError(character=ch, text=text) from None
    return b"(" + text.translate(_ESCAPES).encode("cp1252") + b")"


def text_width(text: str, font: str, size: float) -> float:
    """Width in points of ``text`` set in ``font`` (``F1``/``F2``) at ``size``."""
    return float(stringWidth(text, FONTS[font], size))


def num(value: float) -> str:
    """A compact PDF number (two decimals, no trailing zeros)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


class Content:
    """Builds one content stream: text, lines and filled module grids."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def raw(self, operators: str) -> None:
        """Append content-stream operators as they are."""
        self._parts.append(operators)

    def text(self, x: float, y: float, text: str, font: str, size: float, grey: float = 0) -> None:
        """Draw one line of text with its baseline starting at (x, y)."""
        literal = encode_text(text).decode("cp1252")
        self._parts.append(
            f"BT {num(grey)} g /{font} {num(size)} Tf {num(x)} {num(y)} Td {literal} Tj ET"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.25) -> None:
        """Stroke a straight black line."""
        self._parts.append(f"{num(width)} w {num(x1)} {num(y1)} m {num(x2)} {num(y2)} l S")

    def modules(self, x: float, y: float, module: float, rows: Sequence[Sequence[bool]]) -> None:
        """Fill a grid of dark modules (a QR code) with its top-left corner at (x, y).

        Runs of dark modules in a row become one rectangle, drawn in module
        units under one transformation, which keeps the stream short.
        """
        size = len(rows)
        ops = [f"q 0 g {num(module)} 0 0 {num(module)} {num(x)} {num(y - size * module)} cm"]
        for r, row in enumerate(rows):
            top = size - 1 - r
            start = -1
            for c, dark in enumerate(row):
                if dark and start < 0:
                    start = c
                elif not dark and start >= 0:
                    ops.append(f"{start} {top} {c - start} 1 re")
                    start = -1
            if start >= 0:
                ops.append(f"{start} {top} {len(row) - start} 1 re")
        ops.append("f Q")
        self._parts.append("\n".join(ops))

    def extend(self, other: Content) -> None:
        """Append another content's operators."""
        self._parts.extend(other._parts)

    def tobytes(self) -> bytes:
        """The operators as bytes (already WinAnsi-safe)."""
        return "\n".join(self._parts).encode("cp1252")


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
        self._next = 6  # 1 catalog, 2 pages, 3-4 fonts, 5 info
        self._written = 0
        self._put(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        for number, base in enumerate(FONTS.values(), start=3):
            self._object(
                number,
                f"<< /Type /Font /Subtype /Type1 /BaseFont /{base} "
                f"/Encoding /WinAnsiEncoding >>".encode(),
            )
        self._object(5, b"<< /Title " + encode_text(title) + b" /Producer (ballotbox) >>")

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
        self._stream(number, content.tobytes(), extra)
        self._forms[name] = number

    def add_page(self, content: Content) -> None:
        """Write one page now; nothing of it stays in memory."""
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
        """Write the page tree, catalogue, cross-reference table and trailer."""
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


def widest(lines: Iterable[str], font: str, size: float) -> float:
    """The width of the widest of ``lines``."""
    return max((text_width(line, font, size) for line in lines), default=0.0)
