"""QR code matrices for card links.

Two encoders give the same kind of answer, a square grid of dark modules with
no quiet zone, error correction level M and the mask chosen by the standard's
penalty rules.  zxing-cpp (C++) takes about 0.08 ms a code; the pure-Python
``qrcode`` package about 2.7 ms, which alone would cap a print run near 370
cards a second, so zxing-cpp is used when it is installed.
"""

from __future__ import annotations

from collections.abc import Callable

Matrix = list[list[bool]]
Encoder = Callable[[str], Matrix]


def encode_qrcode(text: str) -> Matrix:
    """The QR matrix of ``text`` from the pure-Python ``qrcode`` package."""
    import qrcode  # type: ignore[import-untyped]
    from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def encode_zxing(text: str) -> Matrix:
    """The QR matrix of ``text`` from zxing-cpp (0 = dark in its image)."""
    import zxingcpp

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    pixels: list[list[int]] = memoryview(
        barcode.to_image(scale=1, add_quiet_zones=False)  # type: ignore[arg-type]
    ).tolist()  # type: ignore[assignment]
    return [[pixel == 0 for pixel in row] for row in pixels]


def default_encoder() -> Encoder:
    """zxing-cpp when importable, else the pure-Python encoder."""
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        return encode_qrcode
    return encode_zxing
