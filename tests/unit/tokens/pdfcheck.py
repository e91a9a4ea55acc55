"""Reading printed PDFs back as a reader (or a printer) would: type sizes, text, pages.

``text_sizes`` walks every page's content stream, and every form it draws,
with pypdf's parser, keeping the graphics state (``q``/``Q``/``cm``), the
text matrix (``Tm``) and the font size (``Tf``), and records the size at
which each string is actually shown: the ``Tf`` size scaled by the text and
transformation matrices.  So a form scaled down, or a text matrix that shrinks
the glyphs, cannot hide small type.
"""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


#: Names a print run must set exactly as the register has them (Latin Extended, Greek,
#: Cyrillic), a right-to-left name and a 60-character one.
NAMES = (
    "Siân Ŵyn",
    "Tŷ Gwyn",
    "Łukasz Żółć",
    "Αλέξανδρος Παπαδόπουλος",
    "Дмитрий Шостакович",
)
ARABIC = "محمد عبد الله"
LONG = "Sir Bartholomew Montgomery-Fitzwilliam Alexander John-Smythe"  # 60 characters
#: A token as cards print it: five groups of four digits.
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")


def flat(text: str) -> str:
    """``text`` with every run of whitespace (no-break spaces too) as one space."""
    return " ".join(text.split())


def _multiply(a: Matrix, b: Matrix) -> Matrix:
    """a × b, as PDF composes matrices (a applied first)."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _scale(m: Matrix) -> float:
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def _shows_text(operands: list[Any]) -> bool:
    first = operands[0] if operands else b""
    if isinstance(first, list):
        return any(not isinstance(part, int | float) and len(part) for part in first)
    return len(first) > 0


def _walk(stream: Any, resources: Any, reader: PdfReader, ctm: Matrix, sizes: list[float]) -> None:
    stack: list[Matrix] = []
    tm: Matrix = IDENTITY
    size = 0.0
    for operands, operator in ContentStream(stream, reader).operations:
        op = operator.decode() if isinstance(operator, bytes) else operator
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "BT":
            tm = IDENTITY
        elif op == "Tm":
            tm = tuple(float(v) for v in operands)  # type: ignore[assignment]
        elif op == "Tf":
            size = float(operands[1])
        elif op in ("Tj", "TJ", "'", '"') and _shows_text(operands):
            sizes.append(size * _scale(tm) * _scale(ctm))
        elif op == "Do":
            form = resources["/XObject"][operands[0]].get_object()
            matrix = tuple(float(v) for v in form.get("/Matrix", IDENTITY))
            inner = form.get("/Resources", resources)
            _walk(form, inner, reader, _multiply(matrix, ctm), sizes)  # type: ignore[arg-type]


def text_sizes(pdf: Path) -> list[list[float]]:
    """The size, in points as printed, of every string shown on each page."""
    reader = PdfReader(pdf)
    pages = []
    for page in reader.pages:
        sizes: list[float] = []
        _walk(page.get_contents(), page["/Resources"], reader, IDENTITY, sizes)
        pages.append(sizes)
    return pages


def smallest_text(pdf: Path) -> float:
    """The smallest type anywhere in the file, in points."""
    return min(size for page in text_sizes(pdf) for size in page)


def page_text(pdf: Path, page: int | None = None) -> str:
    """The text poppler's pdftotext reads from one page (1-based) or the whole file."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_count(pdf: Path) -> int:
    """How many pages the file has."""
    return len(PdfReader(pdf).pages)


def render_pages(pdf: Path, dpi: int) -> list[Path]:
    """Every page as a PNG, as a printer would rasterise it (poppler's pdftoppm)."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def qr_texts(image: Path) -> list[str]:
    """The text of every QR code zxing-cpp finds on a page image."""
    import zxingcpp
    from PIL import Image

    with Image.open(image) as picture:
        found = zxingcpp.read_barcodes(
            picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    return [barcode.text for barcode in found]
