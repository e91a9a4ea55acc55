"""Rendered pages: every QR code on every page scans to <url>/v/<its card's token>.

The PDF is rasterised with poppler's pdftoppm, as a printer would see it, and
every QR code is decoded with zxing-cpp; the printed digits are read back with
pdftotext.  Tokens, QR codes and printed digits must agree card for card.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ballotbox.core.printing.cards import CardInfo, MethodHint, render_cards
from ballotbox.core.tokens.format import parse
from tests.conftest import skip_or_fail
from tests.unit.tokens.conftest import make_cards

URL = "https://vote.example.org"
GROUPED = re.compile(r"\b\d{4} \d{4} \d{4} \d{4} \d{4}\b")
LINK = re.compile(re.escape(URL) + r"/v/(\d{20})")

INFO = CardInfo(
    organisation="Example Union — North West Region",
    title="Branch Committee Election 2025",
    public_url=URL,
    closes="5pm, Friday 16 May 2025",
    method=MethodHint("rank", candidates=7),
    sms_number="0770 090 0123",
    phone_number="0800 123 4567",
    postal_address="Returning Officer\nFREEPOST RTKE-ABCD\nManchester M1 1AA",
)


@pytest.fixture(scope="module")
def poppler() -> None:
    for tool in ("pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} not found (Debian package poppler-utils)")


def page_images(pdf: Path, dpi: int) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def page_text(pdf: Path, page: int) -> str:
    done = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("layout", "count", "per_page", "dpi"),
    [("business", 13, 10, 200), ("a4", 2, 1, 100), ("avery", 16, 14, 200)],
)
def test_every_qr_code_and_printed_token_match(
    tmp_path: Path, poppler: None, layout: str, count: int, per_page: int, dpi: int
) -> None:
    import zxingcpp
    from PIL import Image

    cards = make_cards(count, seed=11)
    pdf = tmp_path / f"{layout}.pdf"
    render_cards(cards, pdf, layout, info=INFO)
    images = page_images(pdf, dpi)
    assert len(images) == -(-count // per_page)
    for number, image in enumerate(images, start=1):
        expected = {c.token.digits for c in cards[(number - 1) * per_page : number * per_page]}
        with Image.open(image) as picture:
            found = zxingcpp.read_barcodes(
                picture, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
        links = [barcode.text for barcode in found]
        assert len(links) == len(expected), f"page {number}: {len(links)} QR codes decoded"
        from_qr = set()
        for link in links:
            match = LINK.fullmatch(link)
            assert match, f"unexpected QR content {link!r}"
            from_qr.add(parse(match.group(1)).digits)  # a valid token, checksum and all
        printed = {g.replace(" ", "") for g in GROUPED.findall(page_text(pdf, number))}
        assert from_qr == printed == expected
