"""What a card says: the ballot's facts in, paragraphs of instructions out.

The wording is kept apart from the placement (``carddesign.py``) so that a
card, a token sticker and a ballot paper tell a member the same things in the
same words: how to vote by every channel the ballot offers, and how to check
the vote afterwards by every channel, ending with the # key on the phone and
a complete text message that quotes the card's own token.

A bilingual card (``CardInfo.also``: the same ballot in its second language)
says everything in both: each paragraph in the ballot's primary language,
then the same paragraph in the second language in dark grey, and a plain
heading once with both languages ("Sut i bleidleisio / How to vote").  Only
the first language quotes the card's own token in its text example; the
second says the same words without repeating the 20 digits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, TypeVar

from ballotbox.core.i18n import _, using
from ballotbox.core.printing.pdfstream import BOLD, REGULAR
from ballotbox.core.tokens.format import Token

# Stands for the card's own grouped token in the SMS example (drawn per card).
SENTINEL = "\ue000"
# Digits share one width, so any grouped token measures like this one; the
# groups are joined by no-break spaces so the example never splits inside the token.
SENTINEL_MEASURE = "0000\u00a00000\u00a00000\u00a00000\u00a00000"
# The second language of a bilingual card: dark grey (8:1 contrast), the same size and face.
SECOND_GREY = 0.3
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MethodHint:
    """How to fill in the ballot: rank, choose up to ``max_choices``, or yes/no."""

    kind: Literal["rank", "choose", "yesno"]
    candidates: int = 0
    max_choices: int = 1

    def instruction(self) -> str:
        """The one-sentence hint printed on the card."""
        if self.kind == "rank":
            return _("Rank the candidates: 1 = first choice, 2 = next, and so on.")
        if self.kind == "choose":
            return _("Choose up to {n} of the {candidates} candidates.").format(
                n=self.max_choices, candidates=self.candidates
            )
        return _("Vote YES or NO.")

    def example_choices(self) -> str:
        """Example choices for the SMS line, built from real candidate numbers."""
        if self.kind == "yesno":
            return _("YES")
        if self.kind == "rank":
            top = max(1, min(3, self.candidates))
            return " ".join(str(n) for n in [top, *range(1, top)])
        picks = max(1, min(2, self.max_choices, self.candidates))
        return " ".join(str(n) for n in (1, 3)[:picks]) if self.candidates >= 3 else "1"


@dataclass(frozen=True, slots=True)
class ContestHint:
    """One contest of a ballot of several, as the card names it: key, title, how to vote."""

    key: str
    title: str
    method: MethodHint


@dataclass(frozen=True, slots=True)
class CardInfo:
    """The ballot facts printed on every card; channels left as None are not offered.

    ``closes`` is the closing time already written out in the ballot's own time
    zone; ``check_url`` is the public page where a token's recorded vote is shown.
    ``contests`` is empty for a ballot of one contest (the card is as it always
    was); for several, the card names each contest by its key.
    """

    organisation: str
    title: str
    public_url: str
    closes: str
    method: MethodHint
    web: bool = True
    sms_number: str | None = None
    phone_number: str | None = None
    postal_address: str | None = None
    check_url: str | None = None
    contests: tuple[ContestHint, ...] = ()
    language: str = ""  # the language the text above is in ("" for the one in force)
    also: CardInfo | None = None  # a bilingual card: the same ballot in its second language

    def vote_url(self, token: Token) -> str:
        """The link in the QR code: ``<public URL>/v/<20 digits>``."""
        return f"{self.public_url.rstrip('/')}/v/{token.digits}"

    def web_address(self) -> str:
        """The public URL as a person would type it (no scheme, no trailing slash)."""
        return typed(self.public_url)

    def address_line(self) -> str:
        """The postal address on one line."""
        lines = (self.postal_address or "").splitlines()
        return ", ".join(p.strip() for p in lines if p.strip())


def typed(url: str) -> str:
    """A web address as a person would type it: no scheme, no trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of card text in one font; ``heading`` paragraphs get space above."""

    text: str
    font: str = REGULAR
    heading: bool = False
    lead: str = ""  # words set in bold before the text, on its first line
    grey: float = 0  # 0 black; SECOND_GREY for a bilingual card's second language
    pinned: bool = False  # stays on the front (the twin of the text quoting the card's token)

    @property
    def on_front(self) -> bool:
        """True for text that must stay on the front: it quotes the token, or is its twin."""
        return self.pinned or SENTINEL in self.text


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Render in ``language`` inside the block ("" keeps the language in force)."""
    if not language:
        yield
        return
    with using(language):
        yield


class InLanguages(Protocol):
    """A card's or a ballot paper's facts: in one language, with its second in ``also``."""

    @property
    def language(self) -> str: ...

    @property
    def also(self) -> Any: ...


Info = TypeVar("Info", bound=InLanguages)


def in_each(info: Info, make: Callable[[Info], T]) -> list[T]:
    """``make`` in the card's (or paper's) language, then in its second language if it has one."""
    found = []
    for each in (info, info.also):
        if each is not None:
            with speaking(each.language):
                found.append(make(each))
    return found


def both(info: CardInfo, make: Callable[[], str], sep: str = " / ") -> str:
    """A short text in each of the card's languages on one line: ``Rhif / No.``."""
    return sep.join(dict.fromkeys(in_each(info, lambda _info: make())))


def interleaved(first: list[Paragraph], second: list[Paragraph]) -> list[Paragraph]:
    """Each paragraph, then its second-language twin in grey; a plain heading once, in both."""
    merged: list[Paragraph] = []
    for one, two in zip(first, second, strict=True):
        if one.heading and not one.lead:
            merged.append(replace(one, text=f"{one.text} / {two.text}"))
        else:
            pinned = SENTINEL in one.text  # the twin of a line quoting the token sits beside it
            merged += [one, replace(two, heading=False, grey=SECOND_GREY, pinned=pinned)]
    return merged


def bilingual(info: CardInfo, make: Callable[[CardInfo], list[Paragraph]]) -> list[Paragraph]:
    """``make``'s paragraphs in the card's language, interleaved with its second language's."""
    found = in_each(info, make)
    return found[0] if len(found) == 1 else interleaved(found[0], found[1])


def sms_example(info: CardInfo) -> str:
    """A complete text message, token and choices, as the member would send it.

    On a ballot of several contests each contest's choices follow its key:
    ``TOKEN A 3 1 2 B 3 C YES`` (the first contest ranked in full, then one
    choice for each of the others).
    """
    if not info.contests:
        return "\u00a0".join([SENTINEL, *info.method.example_choices().split()])
    first, *rest = info.contests
    words = [SENTINEL, first.key, *first.method.example_choices().split()]
    for contest in rest:
        words += [contest.key, contest.method.example_choices().split()[0]]
    return "\u00a0".join(words)


def contests_line(contests: tuple[ContestHint, ...]) -> str:
    """The contests as the card lists them: ``A Executive committee; B Chair; …``."""
    return _("Contests: {listing}. Any left out is left blank.").format(
        listing="; ".join(f"{c.key} {c.title}" for c in contests)
    )


def card_paragraphs(info: CardInfo) -> list[Paragraph]:
    """Everything a card says below the token, in reading order (in both languages)."""
    return bilingual(info, lambda each: _card_paragraphs(each, example=each is info))


def _card_paragraphs(info: CardInfo, *, example: bool = True) -> list[Paragraph]:
    how = contests_line(info.contests) if info.contests else info.method.instruction()
    return [
        Paragraph(_("Voting closes {closes}.").format(closes=info.closes), BOLD),
        Paragraph(how),
        *how_to_vote(info, example=example),
        *how_to_check(info),
    ]


def how_to_vote(info: CardInfo, *, example: bool = True) -> list[Paragraph]:
    """A heading and one paragraph for each channel the ballot offers.

    ``example=False`` leaves out the text message that quotes the card's token
    (a bilingual card's second language: the first already shows it).
    """
    parts = [Paragraph(_("How to vote"), BOLD, heading=True)]
    if info.web:
        parts.append(
            Paragraph(
                _("scan the code or go to {address}").format(address=info.web_address()),
                lead=_("Online:"),
            )
        )
    if info.sms_number:
        parts.append(Paragraph(_sms_line(info, example=example), lead=_("Text:")))
    if info.phone_number:
        phone = (
            _("call {number}, key your token and end with the # key, then each contest's choices.")
            if info.contests
            else _("call {number}, key your token and end with the # key, then your choices.")
        )
        parts.append(Paragraph(phone.format(number=info.phone_number), lead=_("Phone:")))
    if info.postal_address:
        parts.append(
            Paragraph(
                _("send your token and choices, no name needed, to {address}.").format(
                    address=info.address_line()
                ),
                lead=_("Post:"),
            )
        )
    return parts


def _sms_line(info: CardInfo, *, example: bool) -> str:
    number = info.sms_number
    if not example:
        if info.contests:
            return _(
                "send your token, then each contest's letter and choices, to {number}."
            ).format(number=number)
        return _("send your token, then your choices in order, to {number}.").format(number=number)
    sms = (
        _("send your token, then each contest's letter and choices, to {number}, e.g. {example}")
        if info.contests
        else _("send your token, then your choices in order, to {number}, e.g. {example}")
    )
    return sms.format(number=number, example=sms_example(info))


def how_to_check(info: CardInfo) -> list[Paragraph]:
    """How to check the recorded vote after the results, by every channel offered.

    One paragraph: the numbers and the address are the ones given for voting
    just above, so they are not repeated.
    """
    ways = []
    if info.web:
        address = typed(info.check_url) if info.check_url else info.web_address()
        ways.append(_("online at {address}.").format(address=address))
    if info.sms_number:
        ways.append(_("Text CHECK and your token."))
    if info.phone_number:
        ways.append(_("Phone and key your token, then the # key."))
    if info.postal_address:
        ways.append(_("By post, ask for the list of tokens that begin with your first two digits."))
    lead = _("After the results, check your vote:")
    return [Paragraph(" ".join(ways), lead=lead, heading=True)]


def privacy_note() -> Paragraph:
    """The reminder that the token is the vote."""
    return Paragraph(_("Keep this card private."))


def privacy_notes(info: CardInfo) -> list[Paragraph]:
    """The reminder as paragraphs, one per language, when it does not fit the footer."""
    return bilingual(info, lambda _each: [Paragraph(_("Keep this card private."))])


def turn_over(info: CardInfo | None = None) -> list[Paragraph]:
    """The front's pointer to the instructions on the back; one short line on a bilingual card."""
    if info is None or info.also is None:
        return [Paragraph(_("Turn over: how to vote and check your vote."), BOLD)]
    return [Paragraph(both(info, lambda: _("Turn over")), BOLD)]


def sticker(info: CardInfo) -> list[Paragraph]:
    """The short version for a token sticker; the covering letter gives the full instructions.

    A sticker is full at its smallest size already, so on a ballot of several
    contests it says the same: the ballot paper it comes with names each contest.
    """
    return bilingual(info, _sticker)


def _sticker(info: CardInfo) -> list[Paragraph]:
    parts = [Paragraph(_("Voting closes {closes}.").format(closes=info.closes), BOLD)]
    if info.web:
        parts.append(
            Paragraph(_("Online: {address} or scan the code").format(address=info.web_address()))
        )
    if info.sms_number:
        parts.append(Paragraph(_("Text: {number}").format(number=info.sms_number)))
    if info.phone_number:
        parts.append(Paragraph(_("Phone: {number}, token then #").format(number=info.phone_number)))
    return parts
