"""QR code matrices for card links.

Two encoders give the same kind of answer, a square grid of dark modules (1
or True) with no quiet zone, error correction level M and the mask chosen by
the standard's penalty rules.  zxing-cpp's rows are ``bytes``, which the PDF
writer packs into an image mask without a loop per module.  zxing-cpp (C++)
takes about 0.08 ms a code; the pure-Python ``qrcode`` package about 2.7 ms,
which alone would cap a print run near 370 cards a second, so zxing-cpp is
used when it is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

_DARK = bytes.maketrans(b"\x00\xff", b"\x01\x00")  # zxing's image: 0 is dark

Matrix = Sequence[Sequence[int]]  # rows of 1/True (dark) and 0/False (light)
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
    image = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))  # type: ignore[arg-type]
    size = image.shape[0] if image.shape else 0
    pixels = image.tobytes().translate(_DARK)
    return [pixels[row * size : (row + 1) * size] for row in range(size)]


def default_encoder() -> Encoder:
    """zxing-cpp when importable, else the pure-Python encoder."""
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        return encode_qrcode
    return encode_zxing
