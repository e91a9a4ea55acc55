"""Reading a receipt code aloud: each letter with its word from the NATO phonetic alphabet.

A caller writing down ``B2DM`` from a recorded voice cannot tell B from D or M
from N; "B for Bravo, the number 2, D for Delta, M for Mike" leaves no doubt.
The words are the international ones (ICAO), the same in every language.
Pure: standard library only.
"""

from __future__ import annotations

from ballotbox.core.i18n import _

NATO = {
    "A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot",
    "G": "Golf", "H": "Hotel", "I": "India", "J": "Juliett", "K": "Kilo", "L": "Lima",
    "M": "Mike", "N": "November", "O": "Oscar", "P": "Papa", "Q": "Quebec", "R": "Romeo",
    "S": "Sierra", "T": "Tango", "U": "Uniform", "V": "Victor", "W": "Whiskey",
    "X": "X-ray", "Y": "Yankee", "Z": "Zulu",
}  # fmt: skip


def spell(code: str) -> str:
    """``AB2`` as ``A for Alfa, B for Bravo, the number 2`` (other characters as they are)."""
    parts = []
    for ch in code.upper():
        if ch in NATO:
            parts.append(_("{letter} for {word}").format(letter=ch, word=NATO[ch]))
        elif ch.isdigit():
            parts.append(_("the number {digit}").format(digit=ch))
        elif not ch.isspace():
            parts.append(ch)
    return ", ".join(parts)
