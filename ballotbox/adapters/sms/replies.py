"""Every text ballotbox sends back, and the one place errors become SMS wording.

Replies are split into separate messages of one SMS segment each rather
than one long concatenated text: basic phones show each piece whole, the
cost is the same, and a multi-part reply is numbered "1/3", "2/3" … in case
the network delivers them out of order.  Pieces (a sentence, a candidate, a
contest's read-back) are never cut between messages unless one alone is
longer than a segment.

What a reply costs is in :mod:`ballotbox.core.gsm7`: each message goes in
GSM-7 (160 characters) unless its own content needs UCS-2 (70).  Typographic
quotes and dashes become plain ones, and on a ballot that allows it (the
default, ``sms_transliterate``) names are spelt in GSM-7 letters for SMS
only ("Siân Ŵyn" → "Sian Wyn"), so one circumflex does not halve a reply.
"""

from __future__ import annotations

from ballotbox.adapters.sms import grammar
from ballotbox.core import gsm7
from ballotbox.core.errors import BallotboxError, ChoiceError, RateLimitedError, TokenChecksumError
from ballotbox.core.i18n import _
from ballotbox.definition import ContestDefinition, ElectionDefinition
from ballotbox.services.casting import CastReceipt
from ballotbox.storage.models import Election

GSM_SEGMENT = gsm7.GSM_SINGLE
UNICODE_SEGMENT = gsm7.UCS2_SINGLE


def plain(text: str) -> str:
    """``text`` with typographic punctuation made plain (GSM-7 friendly) and no control characters.

    Errors may quote what the member typed; a control character quoted back
    would make the TwiML invalid XML, so anything unprintable becomes a space.
    """
    text = text.translate(_PLAIN)
    if text.isprintable():  # as every reply of our own is: no second pass
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


_PLAIN = str.maketrans(gsm7.PUNCTUATION)


def segment_limit(text: str) -> int:
    """Characters that fit in one SMS for ``text``'s alphabet."""
    return gsm7.single_limit(text)


def split_messages(lines: list[str], *, transliterate: bool = True) -> list[str]:
    """Pack ``lines`` into as few one-segment messages as they fit, numbered when several.

    With ``transliterate`` (a ballot's ``sms_transliterate``), letters outside
    GSM-7 are spelt with their nearest GSM-7 letters.
    """
    pieces = [plain(line) for line in lines]
    if transliterate:
        pieces = [gsm7.transliterate(piece) for piece in pieces]
    return [message.text for message in gsm7.pack(pieces)]


def _spelling(definition: ElectionDefinition | None) -> bool:
    return definition is None or definition.sms_transliterate


def help_reply() -> list[str]:
    """Instructions for HELP, an empty text or one we cannot start to read."""
    return split_messages(
        [
            _("To vote, text your ballot token then your choices, e.g. "
              "4821 0937 5512 8840 3316 3 1 2 (first choice first)."),
            _("Text the token alone to get the list of candidates."),
        ]
    )  # fmt: skip


def _how_to_reply(definition: ElectionDefinition) -> str:
    contest = definition.contests[0]  # a one-contest ballot
    if contest.method == "referendum":
        return _("Reply with your token then YES, NO or ABSTAIN.")
    if contest.ranked:
        example = " ".join(str(c.number) for c in contest.candidates[:3][::-1])
        return _("Reply with your token then candidate numbers in order of preference, e.g. "
                 "TOKEN {example}.").format(example=example)  # fmt: skip
    limit = contest.choice_limit
    example = " ".join(str(c.number) for c in contest.candidates[: min(limit, 2)])
    return _("Reply with your token then the numbers of up to {limit} candidates, e.g. "
             "TOKEN {example}.").format(limit=limit, example=example)  # fmt: skip


def shapes(definition: ElectionDefinition) -> dict[str, grammar.Ballot]:
    """What the grammar needs of each contest: its candidate numbers, and whether it is yes/no."""
    return {
        c.key: grammar.Ballot.of(c.candidate_names(), yes_no=c.method == "referendum")
        for c in definition.contests
    }


def _contest_line(contest: ContestDefinition) -> str:
    """A contest's heading in the ballot reply: key, title, and how to vote in it."""
    if contest.method == "referendum":
        return _("{key}: {title}: YES, NO or ABSTAIN.").format(
            key=contest.key, title=contest.local_title
        )
    if contest.ranked and contest.seats > 1:
        how = _("number in order of preference, {seats} seats").format(seats=contest.seats)
    elif contest.ranked:
        how = _("number in order of preference")
    elif contest.method == "plurality":
        how = _("choose up to {limit}").format(limit=contest.choice_limit)
    else:
        how = _("choose any number")
    return _("{key}: {title} ({how}):").format(key=contest.key, title=contest.local_title, how=how)


def _contests_reply(election: Election, definition: ElectionDefinition) -> list[str]:
    lines = [
        _("{title}: {count} contests.").format(
            title=definition.local_title, count=len(definition.contests)
        )
    ]
    for contest in definition.contests:
        lines.append(_contest_line(contest))
        if contest.method != "referendum":
            lines.extend(f"{c.number} {c.name}," for c in contest.candidates)
            lines[-1] = lines[-1].rstrip(",") + "."
    lines.append(
        _("Reply with your token then each contest's letter and your choices, e.g. "
          "TOKEN {example}. Leave a contest out to leave it blank.").format(
            example=grammar.example(shapes(definition))
        )
    )  # fmt: skip
    return split_messages(lines, transliterate=_spelling(definition))


def ballot_reply(election: Election, definition: ElectionDefinition) -> list[str]:
    """The ballot for a token sent alone: title, each contest's candidates, how to reply."""
    if not definition.single:
        return _contests_reply(election, definition)
    contest = definition.contests[0]
    lines = [f"{definition.local_title}:"]
    if contest.method == "referendum":
        lines.append(_("YES, NO or ABSTAIN."))
    else:
        lines.extend(f"{c.number} {c.name}," for c in contest.candidates)
        lines[-1] = lines[-1].rstrip(",") + "."
    lines.append(_how_to_reply(definition))
    return split_messages(lines, transliterate=_spelling(definition))


def _chosen(contest: ContestDefinition, names: list[str]) -> str:
    """One contest's recorded choices, as read back on a ballot of several."""
    if not names:
        return _("{key}: left blank.").format(key=contest.key)
    if contest.method == "referendum":
        listed = _(names[0])
    elif contest.ranked:
        listed = ", ".join(f"{i} {name}" for i, name in enumerate(names, start=1))
    else:
        listed = ", ".join(names)
    return _("{key}: {choices}.").format(key=contest.key, choices=listed)


def receipt_reply(
    receipt: CastReceipt, definition: ElectionDefinition, public_url: str
) -> list[str]:
    """The read-back of an accepted vote (every contest), its receipt code and where to check it."""
    recorded = receipt.ballot_names
    if not definition.single:
        chosen = [_chosen(c, recorded.get(c.key, [])) for c in definition.contests]
    else:
        contest = definition.contests[0]
        names = recorded[contest.key]
        if contest.method == "referendum":
            chosen = [_("Your answer: {answer}.").format(answer=_(names[0]))]
        elif contest.ranked:
            order = ", ".join(f"{i} {name}" for i, name in enumerate(names, start=1))
            chosen = [_("Your order: {order}.").format(order=order)]
        else:
            chosen = [_("You chose: {names}.").format(names=", ".join(names))]
    return split_messages(
        [
            _("Vote recorded for {title}.").format(title=receipt.title),
            *chosen,
            _("Receipt code {code}.").format(code=receipt.code),
            _(
                "After the results are out, text CHECK and your token to check your vote, "
                "or see {url}/elections/{slug}"
            ).format(url=public_url, slug=receipt.election),
        ],
        transliterate=_spelling(definition),
    )


def error_reply(error: BallotboxError, definition: ElectionDefinition | None = None) -> list[str]:
    """A domain error as a short text: the one place SMS wording for errors is chosen.

    On a ballot of several contests an error about one contest names it.
    """
    if isinstance(error, ChoiceError) and error.contest and definition and not definition.single:
        try:
            title = definition.contest(error.contest).local_title
        except KeyError:
            return split_messages([error.message], transliterate=_spelling(definition))
        return split_messages(
            [
                _("Contest {key}, {title}: {problem}").format(
                    key=error.contest, title=title, problem=error.message
                )
            ],
            transliterate=_spelling(definition),
        )
    if isinstance(error, TokenChecksumError):
        text = _("The token has a typing error: check the digits against your card.")
    elif isinstance(error, RateLimitedError):
        text = _("Too many attempts from this phone. Please wait 15 minutes and try again.")
    else:
        text = error.message
    return split_messages([text], transliterate=_spelling(definition))
