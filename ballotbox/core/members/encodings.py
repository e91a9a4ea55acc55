"""Which text encoding a register file is in: detected, reported, or refused with the reason.

Registers come out of spreadsheets and membership systems.  The encodings met
in practice are UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark (Excel's "Unicode Text", which is also TAB-separated) and
Windows-1252 (Excel's "CSV" on Windows).  A file that is none of these is
refused with what was found and where, never decoded into garbage: a stored
register is what the officer will print on labels and check names against.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ballotbox.core.errors import FileFormatError
from ballotbox.core.i18n import _

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with byte-order mark"
UTF16_LE = "UTF-16 little-endian (Excel Unicode Text)"
UTF16_BE = "UTF-16 big-endian"
CP1252 = "Windows-1252"

_BOMS = (
    (codecs.BOM_UTF8, "utf-8", UTF8_BOM),
    (codecs.BOM_UTF16_LE, "utf-16-le", UTF16_LE),
    (codecs.BOM_UTF16_BE, "utf-16-be", UTF16_BE),
)
# What other files look like, so the refusal can say what the officer actually gave us.
_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or other zip file, not CSV text"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook, not CSV text"),
    (b"%PDF", "a PDF document, not CSV text"),
)
_SAVE_AS = "save it from the spreadsheet as “CSV UTF-8” and import that"


@dataclass(frozen=True, slots=True)
class Decoded:
    """A register's text and the encoding it was read in (a name to show the officer)."""

    text: str
    encoding: str


def decode_register(data: bytes, source: str = "input") -> Decoded:
    """Decode register bytes as UTF-8, UTF-8 or UTF-16 with a BOM, or Windows-1252; else refuse."""
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            problem = _("this is {what}; {fix}").format(what=what, fix=_SAVE_AS)
            raise FileFormatError(problem, source=source)
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return Decoded(_strict(data[len(bom) :], codec, name, source), name)
    if _looks_utf16(data):
        raise FileFormatError(
            _(
                "looks like UTF-16 text without a byte-order mark, so its byte order is "
                "unknown; {fix}"
            ).format(fix=_SAVE_AS),
            source=source,
        )
    try:
        return Decoded(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError:
        pass
    return Decoded(_strict(data, "cp1252", "UTF-8 or " + CP1252, source), CP1252)


def _strict(data: bytes, codec: str, name: str, source: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        raise FileFormatError(
            _("not {name} text: byte 0x{byte:02X} is no character in it; {fix}").format(
                name=name, byte=data[exc.start], fix=_SAVE_AS
            ),
            source=source,
            line=line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileFormatError(
            _("holds a NUL character: this is not {name} text; {fix}").format(
                name=name, fix=_SAVE_AS
            ),
            source=source,
            line=line,
        )
    return text


def _looks_utf16(data: bytes) -> bool:
    """Many NUL bytes, all on even or all on odd positions: UTF-16 with no byte-order mark.

    A stray NUL in UTF-8 text is left to the row checks, which report its line.
    """
    sample = data[:4000]
    return max(sample[0::2].count(0), sample[1::2].count(0)) > len(sample) // 4
