"""The language of a text's reply: a keyword in the text, else the ballot's first language.

A member writes ``CYMRAEG`` or ``ENGLISH`` (``SAESNEG``) as the first or last
word, alone or with the token and choices: ``CYMRAEG 4821 0937 … 3 1 2``.
``CYMORTH`` is Welsh for HELP and answers with the help in Welsh.  Nothing
is remembered between texts (a sender's number is never stored), so a text
without a keyword is answered in the ballot's first language, or the
installation's when the text names no ballot.
"""

from __future__ import annotations

import unicodedata

from ballotbox.core import i18n

KEYWORDS = {"CYMRAEG": "cy", "CYMORTH": "cy", "ENGLISH": "en", "SAESNEG": "en"}
_EDGE = ".,;:!?\"'()"


def _keyword(word: str) -> str | None:
    folded = unicodedata.normalize("NFKC", word).strip(_EDGE).upper()
    language = KEYWORDS.get(folded)
    return language if language and i18n.supported(language) else None


def split_language(body: str) -> tuple[str | None, str]:
    """The language a text asks for (``None`` when it asks for none) and the text without it."""
    words = body.split()
    if words and (language := _keyword(words[0])):
        return language, " ".join(words[1:])
    if len(words) > 1 and (language := _keyword(words[-1])):
        return language, " ".join(words[:-1])
    return None, body
