"""What a member needs from their card: its format and their language, read from friendly text.

Registers write these in many ways ("Large print", "LARGE", "ballot paper",
"Welsh", "cy-GB"); each reader here returns the canonical value, or ``None``
for text it does not recognise (the register reader turns that into a warning
on the field and keeps the member, with the standard card and no language).

A format is also a print layout: :data:`FORMAT_LAYOUTS` names the card or
paper layout each format is printed in.
"""

from __future__ import annotations

import re

from ballotbox.core.i18n import LANGUAGE_NAMES, languages, normalise

STANDARD = "standard"
FORMATS = (STANDARD, "large-print", "ballot-paper", "ballot-paper-large")
# The layout (``tokens issue --layout``) that prints each format.
FORMAT_LAYOUTS = {
    STANDARD: "business",
    "large-print": "a4",
    "ballot-paper": "ballot-paper",
    "ballot-paper-large": "ballot-paper-large",
}
_FORMAT_WORDS = {
    "standard": STANDARD,
    "normal": STANDARD,
    "regular": STANDARD,
    "card": STANDARD,
    "business": STANDARD,
    "businesscard": STANDARD,
    "largeprint": "large-print",
    "large": "large-print",
    "lp": "large-print",
    "a4": "large-print",
    "ballotpaper": "ballot-paper",
    "paper": "ballot-paper",
    "postal": "ballot-paper",
    "post": "ballot-paper",
    "ballotpaperlarge": "ballot-paper-large",
    "largeballotpaper": "ballot-paper-large",
    "ballotpaperlargeprint": "ballot-paper-large",
    "largeprintballotpaper": "ballot-paper-large",
    "paperlarge": "ballot-paper-large",
    "largepaper": "ballot-paper-large",
}
_YES = {"yes", "y", "true", "1", "x", "large", "largeprint", "ie", "oes"}
_NO = {"", "no", "n", "false", "0", "na", "nac"}
# Languages as registers name them, in English or in themselves, beside their codes.
_LANGUAGE_WORDS = {"english": "en", "saesneg": "en", "welsh": "cy", "cymraeg": "cy"}


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.strip().lower())


def card_format(text: str) -> str | None:
    """The card format ``text`` names ("Large print" → ``large-print``; blank → standard)."""
    if not text.strip():
        return STANDARD
    return _FORMAT_WORDS.get(_compact(text))


def large_print_flag(text: str) -> bool | None:
    """A yes/no "Large print" column's cell as a bool, or ``None`` when it is neither."""
    word = _compact(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def language(text: str) -> str | None:
    """The language code ``text`` names ("Welsh", "Cymraeg", "cy-GB" → ``cy``; blank → "")."""
    if not text.strip():
        return ""
    word = _compact(text)
    names = {_compact(name): code for code, name in LANGUAGE_NAMES.items()}
    code = _LANGUAGE_WORDS.get(word) or names.get(word) or normalise(text)
    return code if code in languages() else None
