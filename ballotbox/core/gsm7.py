"""What an SMS costs: the GSM-7 alphabet, segment counts and an SMS-only transliteration.

A text message is sent in GSM-7 (the GSM 03.38 default alphabet, 7 bits a
character) when every character is in it, and otherwise in UCS-2 (UTF-16,
16 bits).  One segment holds 160 GSM-7 septets or 70 UTF-16 code units; a
longer, concatenated message loses room to its header (153 and 67 a part).
Characters of the GSM-7 extension table (``^ { } \\ [ ~ ] | €`` and form
feed) cost two septets: an escape and the character.

One accented letter outside the alphabet (``ŵ`` in "Siân Ŵyn") would turn a
whole message into UCS-2 and halve what fits.  :func:`transliterate` maps
such letters to the nearest GSM-7 letter for SMS only, when a ballot allows
it; scripts with no GSM-7 counterpart (Greek small letters, Cyrillic, Arabic)
are left alone, since a name there has no honest Latin spelling.

:func:`pack` puts whole pieces (a choice, a sentence) into as few one-segment
messages as they fit, never cutting a piece unless the piece alone is longer
than a segment, and each message takes the alphabet its own content needs.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

GSM_SINGLE = 160
GSM_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67

# GSM 03.38 basic character set (one septet each); ESC itself is not text.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: two septets each (escape + character).
EXTENSION = frozenset("\f^{}\\[~]|€")

#: Typographic punctuation and spaces, made plain in every SMS (whatever the ballot's settings).
PUNCTUATION = {
    "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "…": "...",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "\u00a0": " ", "\u202f": " ",
    "«": '"', "»": '"', "‹": "'", "›": "'", "•": "*", "·": ".",
}  # fmt: skip
# Letters whose decomposition does not reach a GSM-7 letter, or reaches the wrong one.
_SPECIAL = {
    "Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "Th", "þ": "th",
    "Œ": "OE", "œ": "oe", "ı": "i", "ŀ": "l", "Ŀ": "L", "ſ": "s", "ĸ": "k",
    **PUNCTUATION,
}  # fmt: skip


_ALPHABET = BASIC | EXTENSION


def cost(ch: str) -> int | None:
    """Septets ``ch`` takes in GSM-7 (1 or 2), or None when it is not in the alphabet."""
    if ch in BASIC:
        return 1
    if ch in EXTENSION:
        return 2
    return None


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` can be sent in GSM-7."""
    return _ALPHABET.issuperset(text)


def units(text: str) -> int:
    """The length of ``text`` as the network counts it: septets in GSM-7, else UTF-16 units."""
    if is_gsm7(text):  # one septet a character, two for each of the extension table's
        return len(text) + sum(text.count(ch) for ch in EXTENSION)
    return len(text.encode("utf-16-le")) // 2


def single_limit(text: str) -> int:
    """How many units fit one un-concatenated segment in ``text``'s alphabet."""
    return GSM_SINGLE if is_gsm7(text) else UCS2_SINGLE


def segments(text: str) -> int:
    """How many segments ``text`` costs when sent as one (possibly concatenated) message."""
    if not text:
        return 1
    gsm = is_gsm7(text)
    single, part = (GSM_SINGLE, GSM_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if units(text) <= single:
        return 1
    # Parts are filled whole: an escape pair or a surrogate pair never straddles two parts.
    count, used = 1, 0
    for ch in text:
        size = (cost(ch) or 0) if gsm else len(ch.encode("utf-16-le")) // 2
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


@functools.lru_cache(maxsize=4096)
def _nearest(ch: str) -> str:
    if cost(ch) is not None:
        return ch
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    if base and base != ch and is_gsm7(base):
        return base
    # Some accented letters are in GSM-7 composed (é, ü …): try the base plus its first mark.
    recomposed = unicodedata.normalize("NFC", base[:1] + decomposed[1:2]) if base else ch
    return recomposed if is_gsm7(recomposed) else ch


def transliterate(text: str) -> str:
    """``text`` with letters outside GSM-7 replaced by their nearest GSM-7 spelling, for SMS only.

    "Siân Ŵyn" becomes "Sian Wyn", "Łukasz Żółć" "Lukasz Zolc", "Tŷ Gwyn" "Ty
    Gwyn"; é, ü, ñ and the other accented letters GSM-7 has are kept.  A letter
    with no Latin counterpart (Cyrillic, Greek small letters, Arabic) is kept
    as it is, so the message goes as UCS-2 rather than misspell a name.
    """
    if is_gsm7(text):
        return text  # nothing to replace (most replies)
    return "".join(_nearest(ch) for ch in text)


@dataclass(frozen=True)
class Message:
    """One SMS to send, and what it costs."""

    text: str

    @property
    def gsm7(self) -> bool:
        """Whether it goes in GSM-7."""
        return is_gsm7(self.text)

    @property
    def segments(self) -> int:
        """Its segment count."""
        return segments(self.text)


def _cut(piece: str, room: int) -> list[str]:
    """Cut a piece that alone is longer than ``room`` units: after commas first (between the
    choices of a read-back), then at spaces, and only a single over-long word anywhere."""
    out: list[str] = []
    current = ""
    for clause in re.split(r"(?<=,) ", piece):
        words = [clause] if units(clause) <= room else clause.split()
        for word in words:
            while units(word) > room:  # a single over-long word: cut by characters
                head = ""
                for ch in word:
                    if units(head + ch) > room:
                        break
                    head += ch
                if current:
                    out.append(current)
                    current = ""
                out.append(head)
                word = word[len(head) :]
            candidate = f"{current} {word}" if current else word
            if units(candidate) <= room:
                current = candidate
            else:
                if current:
                    out.append(current)
                current = word
    if current:
        out.append(current)
    return out


def pack(pieces: Iterable[str], *, numbered: bool = True) -> list[Message]:
    """Whole ``pieces`` packed into as few one-segment messages as they fit.

    Each message is sized for its own alphabet, so one Cyrillic name costs
    UCS-2 only in the message that holds it.  When more than one message is
    needed and ``numbered`` is set, each starts "1/3 ", "2/3 " … in case the
    network delivers them out of order.  A piece is only ever cut when it
    alone cannot fit one segment.
    """
    items = [p.strip() for p in pieces if p and p.strip()]
    whole = " ".join(items)
    if units(whole) <= single_limit(whole):
        return [Message(whole)] if whole else []
    for digits in (1, 2, 3):
        prefix = len(f"{'9' * digits}/{'9' * digits} ") if numbered else 0
        packed = _pack(items, prefix)
        if not numbered or len(str(len(packed))) <= digits:
            break
    if not numbered:
        return [Message(p) for p in packed]
    total = len(packed)
    return [Message(f"{i}/{total} {p}") for i, p in enumerate(packed, start=1)]


def _pack(items: list[str], prefix: int) -> list[str]:
    packed: list[str] = []
    for item in items:
        room = single_limit(item) - prefix
        for piece in _cut(item, room) if units(item) > room else [item]:
            if packed:
                joined = f"{packed[-1]} {piece}"
                if units(joined) + prefix <= single_limit(joined):
                    packed[-1] = joined
                    continue
            packed.append(piece)
    return packed
