"""What a card says: the ballot's facts in, paragraphs of instructions out.

The wording is kept apart from the placement (``carddesign.py``) so that a
card, a token sticker and a ballot paper tell a member the same things in the
same words: how to vote by every channel the ballot offers, and how to check
the vote afterwards by every channel, ending with the # key on the phone and
a complete text message that quotes the card's own token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ballotbox.core.i18n import _
from ballotbox.core.printing.pdfstream import BOLD, REGULAR
from ballotbox.core.tokens.format import Token

# Stands for the card's own grouped token in the SMS example (drawn per card).
SENTINEL = "\ue000"
# Digits share one width, so any grouped token measures like this one; the
# groups are joined by no-break spaces so the example never splits inside the token.
SENTINEL_MEASURE = "0000\u00a00000\u00a00000\u00a00000\u00a00000"


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
class CardInfo:
    """The ballot facts printed on every card; channels left as None are not offered.

    ``closes`` is the closing time already written out in the ballot's own time
    zone; ``check_url`` is the public page where a token's recorded vote is shown.
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


def sms_example(info: CardInfo) -> str:
    """A complete text message, token and choices, as the member would send it."""
    return "\u00a0".join([SENTINEL, *info.method.example_choices().split()])


def card_paragraphs(info: CardInfo) -> list[Paragraph]:
    """Everything a card says below the token, in reading order."""
    return [
        Paragraph(_("Voting closes {closes}.").format(closes=info.closes), BOLD),
        Paragraph(info.method.instruction()),
        *how_to_vote(info),
        *how_to_check(info),
    ]


def how_to_vote(info: CardInfo) -> list[Paragraph]:
    """A heading and one paragraph for each channel the ballot offers."""
    parts = [Paragraph(_("How to vote"), BOLD, heading=True)]
    if info.web:
        parts.append(
            Paragraph(
                _("scan the code or go to {address}").format(address=info.web_address()),
                lead=_("Online:"),
            )
        )
    if info.sms_number:
        parts.append(
            Paragraph(
                _(
                    "send your token, then your choices in order, to {number}, e.g. {example}"
                ).format(number=info.sms_number, example=sms_example(info)),
                lead=_("Text:"),
            )
        )
    if info.phone_number:
        parts.append(
            Paragraph(
                _(
                    "call {number}, key your token and end with the # key, then your choices."
                ).format(number=info.phone_number),
                lead=_("Phone:"),
            )
        )
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


def turn_over() -> Paragraph:
    """The front's pointer to the instructions on the back."""
    return Paragraph(_("Turn over: how to vote and check your vote."), BOLD)


def sticker(info: CardInfo) -> list[Paragraph]:
    """The short version for a token sticker; the covering letter gives the full instructions."""
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
