"""Reading a teller's entry into a canonical form, and deciding whether two entries agree.

Pure (no database, no web): the keying form, the CSV import and the
adjudication page all go through :func:`read_entry`, so a letter is read by
the same rules whichever way it was keyed.  Form is forgiven (spaces, dashes
and dots in the token, ``X`` or ``✓`` for a tick); meaning is not: two entries
agree only when they name the same token and the same choices in every
contest, or the same spoilt reason.

On a ballot of one contest the marks are candidate number → mark, as they
always were.  On a ballot of several they are contest key → (candidate number
→ mark); a contest with no marks is blank, and a letter with no marks at all
is not a ballot (mark it spoilt, no preferences marked).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ballotbox.choices import ranking_from_marks, validate_choices
from ballotbox.core.errors import ChoiceError, TokenFormatError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import parse
from ballotbox.definition import ContestDefinition, ElectionDefinition
from ballotbox.services.postal.errors import EntryError

# Why a letter cannot be a ballot.  Fixed codes only, never free text: a free
# text box is where a teller could write down a token.
SPOILT_REASONS: dict[str, str] = {
    "unreadable": N_("Unreadable"),
    "no_token": N_("No token"),
    "bad_token": N_("Token illegible or fails the check digits"),
    "no_marks": N_("No preferences marked"),
    "ambiguous": N_("Ambiguous preferences"),
    "too_many": N_("More marks than allowed"),
    "other": N_("Other defect"),
}

# Why a well-formed, agreed letter was refused by cast(): the error codes of ballotbox.core.errors.
REJECTION_REASONS: dict[str, str] = {
    "unknown_token": N_("Token not issued for this election"),
    "token_used": N_("Token already used"),
    "token_void": N_("Token void (card cancelled)"),
    "election_not_open": N_("Voting not open (or not by this channel)"),
}

TICKS = frozenset({"x", "1", "✓", "✔", "/", "+", "*"})


ContestChoices = tuple[tuple[str, tuple[int, ...]], ...]
"""A ballot of several contests as keyed: (contest key, choices) in ballot order; () = blank."""


@dataclass(frozen=True, slots=True)
class Keyed:
    """One entry in canonical form: a token with choices, or a spoilt reason.

    ``choices`` on a ballot of one contest; ``ballot`` (every contest) on a ballot of several.
    """

    token: str | None = None  # the 20 canonical digits
    choices: tuple[int, ...] | None = None  # preference order (ranked) or sorted selection
    spoilt: str | None = None
    ballot: ContestChoices | None = None

    def __repr__(self) -> str:
        # Never print a token or choices into a log line or a traceback.
        return "Keyed(spoilt)" if self.spoilt else "Keyed(ballot)"

    def to_bytes(self) -> bytes:
        """Canonical JSON, the plaintext that is sealed."""
        if self.spoilt:
            return json.dumps({"spoilt": self.spoilt}).encode()
        if self.ballot is not None:
            contests = {key: list(picked) for key, picked in self.ballot}
            return json.dumps({"token": self.token, "ballot": contests}).encode()
        return json.dumps({"token": self.token, "choices": list(self.choices or ())}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Keyed:
        """The inverse of :meth:`to_bytes`."""
        doc = json.loads(data)
        if "spoilt" in doc:
            return cls(spoilt=str(doc["spoilt"]))
        if "ballot" in doc:
            ballot = tuple(
                (str(key), tuple(int(n) for n in picked)) for key, picked in doc["ballot"].items()
            )
            return cls(token=str(doc["token"]), ballot=ballot)
        return cls(token=str(doc["token"]), choices=tuple(int(n) for n in doc["choices"]))

    def contests(self) -> dict[str, tuple[int, ...]]:
        """Contest key → choices (several contests; empty for one contest or a spoilt entry)."""
        return dict(self.ballot or ())

    def for_cast(self) -> list[int] | dict[str, list[int]]:
        """The choices as ``cast()`` takes them: a list (one contest) or key → list (several)."""
        if self.ballot is not None:
            return {key: list(picked) for key, picked in self.ballot}
        return list(self.choices or ())


def read_token(text: str) -> str:
    """The canonical digits of a keyed token, or an :class:`EntryError` on the token field."""
    if not text.strip():
        raise EntryError(N_("Type the token, or mark the letter spoilt (no token)."), field="token")
    try:
        return parse(text).digits
    except TokenFormatError as error:
        raise EntryError(
            N_("{problem} If the letter really says this, mark it spoilt (token illegible)."),
            field="token",
            problem=error.message,
        ) from None


def contest_from_marks(contest: ContestDefinition, marks: Mapping[int, str]) -> list[int]:
    """One contest's choices from the marks keyed next to each candidate, in card order."""
    texts = {n: str(marks.get(n, "")).strip() for n in contest.candidate_names()}
    if contest.ranked:
        ranks: dict[int, int | None] = {}
        for number, text in texts.items():
            if not text:
                ranks[number] = None
            elif text.isdigit():
                ranks[number] = int(text)
            else:
                raise ChoiceError(
                    N_("“{text}” next to candidate {number} is not a rank number."),
                    text=text,
                    number=number,
                )
        if all(rank is None for rank in ranks.values()):
            return []
        return ranking_from_marks(ranks)
    picked = []
    for number, text in texts.items():
        if not text:
            continue
        if text.lower() not in TICKS:
            raise ChoiceError(
                N_("“{text}” next to candidate {number} is not a mark: key X for a tick."),
                text=text,
                number=number,
            )
        picked.append(number)
    return picked


def choices_from_marks(definition: ElectionDefinition, marks: Mapping[int, str]) -> list[int]:
    """The choices of a one-contest ballot from the marks keyed next to each candidate."""
    contest = definition.contests[0]
    if contest.ranked and not any(str(marks.get(n, "")).strip() for n in contest.candidate_names()):
        return ranking_from_marks({})  # "Put 1 next to your first choice."
    return contest_from_marks(contest, marks)


def read_entry(
    definition: ElectionDefinition,
    token_text: str,
    marks: Mapping[Any, Any],
    spoilt: str = "",
) -> Keyed:
    """Read one keyed letter into canonical form, or say which field is wrong and why.

    ``marks``: candidate number → mark (one contest), or contest key → that (several).
    """
    spoilt = spoilt.strip()
    if spoilt:
        if spoilt not in SPOILT_REASONS:
            raise EntryError(
                N_("“{reason}” is not a spoilt reason."), field="spoilt", reason=spoilt
            )
        return Keyed(spoilt=spoilt)
    token = read_token(token_text)
    if not definition.single:
        return Keyed(token=token, ballot=_read_contests(definition, marks))
    try:
        choices = validate_choices(definition.contests[0], choices_from_marks(definition, marks))
    except ChoiceError as error:
        raise EntryError(
            N_("{problem} If the letter really says this, mark it spoilt."),
            field="marks",
            problem=error.message,
        ) from None
    return Keyed(token=token, choices=tuple(choices))


def _read_contests(definition: ElectionDefinition, marks: Mapping[Any, Any]) -> ContestChoices:
    ballot = []
    for contest in definition.contests:
        given = marks.get(contest.key, {})
        try:
            picked = contest_from_marks(contest, given if isinstance(given, Mapping) else {})
            picked = validate_choices(contest, picked, blank=True)
        except ChoiceError as error:
            raise EntryError(
                N_("Contest {key}, {title}: {problem} If the letter really says this, mark it "
                   "spoilt."),
                field=f"marks_{contest.key}",
                key=contest.key,
                title=contest.title,
                problem=error.message,
            ) from None  # fmt: skip
        ballot.append((contest.key, tuple(picked)))
    if not any(picked for _key, picked in ballot):
        raise EntryError(
            N_("Nothing is marked in any contest. If the letter really says this, mark it spoilt "
               "(no preferences marked)."),
            field=f"marks_{definition.contests[0].key}",
        )  # fmt: skip
    return tuple(ballot)


def differences(first: Keyed, second: Keyed) -> list[str]:
    """The parts on which two entries differ (empty: they agree).

    ``spoilt``, ``token``, and ``choices`` (one contest) or ``contest A`` … (several).
    """
    fields = []
    if first.spoilt != second.spoilt:
        fields.append("spoilt")
    if first.token != second.token:
        fields.append("token")
    if first.choices != second.choices:
        fields.append("choices")
    if first.ballot != second.ballot:
        one, other = first.contests(), second.contests()
        for key in dict.fromkeys([*one, *other]):
            if one.get(key) != other.get(key):
                fields.append(f"contest {key}")
    return fields


def agree(first: Keyed, second: Keyed) -> bool:
    """True when two independent entries say exactly the same thing."""
    return not differences(first, second)


def contest_marks(contest: ContestDefinition, choices: tuple[int, ...]) -> dict[int, str]:
    """The marks each candidate of one contest would carry for ``choices``."""
    if contest.ranked:
        return {number: str(rank) for rank, number in enumerate(choices, start=1)}
    return {number: "X" for number in choices}


def marks_for(definition: ElectionDefinition, keyed: Keyed) -> dict[Any, Any]:
    """The marks as on the card for ``keyed``: number → mark, or key → (number → mark)."""
    if not definition.single:
        chosen = keyed.contests()
        return {c.key: contest_marks(c, chosen.get(c.key, ())) for c in definition.contests}
    if keyed.choices is None:
        return {}
    return contest_marks(definition.contests[0], keyed.choices)
