"""The printed check pages and result sheet, for members who check their vote by post.

``render_check_list`` prints the published token → vote list in large type:
sorted by token, each token grouped in fours as on the card, each contest's
choices as candidate names in the voter's order, and the receipt code.  A
``prefix`` prints only the tokens that start with those digits, so a member
can ask for "the pages for tokens beginning 48" without saying which token is
theirs.  ``render_result_sheet`` prints every round of every contest's count.
Both carry the election's commitment fingerprint (the Merkle root of the
issued tokens, as the audit page shows it) on every page.  Plain data in,
a PDF out: the database side is :mod:`ballotbox.services.offline_print`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballotbox.core.i18n import N_, _
from ballotbox.core.printing.largeprint import (
    BOLD,
    HEADING,
    TITLE,
    Block,
    grouped_hex,
    write_large_print,
)


@dataclass(frozen=True)
class CheckRow:
    """One published vote: grouped token, channel, receipt code, (label, names) per contest."""

    token: str
    channel: str
    code: str
    contests: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class SheetInfo:
    """What every page says about the election."""

    title: str
    slug: str
    fingerprint: str  # the commitment's Merkle root, hex

    def footer(self) -> list[str]:
        """The running lines at the foot of every page."""
        if not self.fingerprint:  # printed before opening: there is no commitment yet
            return [f"{self.title} ({self.slug})"]
        return [
            _("{title} ({slug}). Token commitment fingerprint:").format(
                title=self.title, slug=self.slug
            ),
            grouped_hex(self.fingerprint),
        ]


def render_check_list(
    rows: Sequence[CheckRow], out: Path, *, info: SheetInfo, prefix: str = "", unlisted: int = 0
) -> int:
    """Write the large-print check list (only tokens starting ``prefix``); return the pages."""
    shown = [row for row in rows if row.token.replace(" ", "").startswith(prefix)]
    shown.sort(key=lambda row: row.token.replace(" ", ""))
    intro = Block(space_after=HEADING)
    intro.add(_("Check your vote: {title}").format(title=info.title), BOLD, TITLE)
    if prefix:
        intro.add(_("Tokens beginning {prefix}").format(prefix=prefix), BOLD, HEADING)
    intro.add(
        _(
            "Every vote recorded for a token is listed here, sorted by token, exactly as "
            "published. Find the token on your card: the choices under it are the vote "
            "recorded for it, in your order of preference, with the receipt code you were "
            "given when you voted."
        )
    )
    intro.add(
        _(
            "If your token is not listed, no vote was recorded for it. If the vote listed "
            "is not the one you cast, report it: the ballot pack says how."
        )
    )
    intro.add(_("Votes listed: {count}.").format(count=len(shown)))
    if unlisted:
        intro.add(_("{count} issued tokens did not vote or were cancelled.").format(count=unlisted))
    blocks = [intro]
    for row in shown:
        block = Block()
        block.add(row.token, BOLD, HEADING)
        for label, names in row.contests:
            chosen = (
                ", ".join(f"{n}. {name}" for n, name in enumerate(names, start=1))
                if len(names) > 1
                else (names[0] if names else _("left blank"))
            )
            block.add(f"{label}: {chosen}" if label else chosen, indent=14)
        block.add(
            _("Receipt code {code}, by {channel}").format(code=row.code, channel=_(row.channel)),
            indent=14,
        )
        blocks.append(block)
    if not shown:
        blocks.append(Block().add(_("No vote was recorded for any token beginning {prefix}.")
                                  .format(prefix=prefix)))  # fmt: skip
    title = _("Check your vote: {title}").format(title=info.title)
    return write_large_print(blocks, out, title=title, footer=info.footer())


def render_result_sheet(
    contests: Sequence[tuple[str, Mapping[str, Any], int]], out: Path, *, info: SheetInfo
) -> int:
    """Write the result sheet: per contest (label, Result.to_json(), blank count), every round."""
    intro = Block(space_after=HEADING)
    intro.add(_("Results: {title}").format(title=info.title), BOLD, TITLE)
    intro.add(_("Every round of every count, as published on the results page."))
    blocks = [intro]
    for label, result, blank in contests:
        head = Block()
        if label:
            head.add(label, BOLD, HEADING)
        elected = ", ".join(result.get("elected") or []) or _("nobody")
        head.add(_("Elected: {names}").format(names=elected), BOLD)
        if result.get("outcome"):
            head.add(_("Outcome: {outcome}").format(outcome=result["outcome"]), BOLD)
        head.add(_("Valid votes: {n}").format(n=shown(result.get("valid_poll"))))
        if result.get("quota") is not None:
            head.add(_("Quota: {n}").format(n=shown(result["quota"])))
        head.add(_("Seats: {n}").format(n=result.get("seats", 1)))
        if blank:
            head.add(_("Left blank on {n} ballot(s).").format(n=blank))
        blocks.append(head)
        for stage in result.get("rounds", []):
            blocks.append(_round_block(stage))
    return write_large_print(
        blocks, out, title=_("Results: {title}").format(title=info.title), footer=info.footer()
    )


ACTIONS = {
    "first-preferences": N_("first preferences"),
    "surplus": N_("surplus transferred"),
    "exclusion": N_("exclusion"),
    "count": N_("count"),
}


def _round_block(stage: Mapping[str, Any]) -> Block:
    """One round: what happened, then each candidate's votes and change."""
    block = Block()
    action = _(ACTIONS.get(str(stage.get("action")), str(stage.get("action"))))
    subjects = ", ".join(stage.get("candidates") or [])
    heading = _("Round {n}: {action}").format(n=stage.get("number"), action=action)
    block.add(f"{heading}: {subjects}" if subjects else heading, BOLD)
    transfers = stage.get("transfers") or {}
    for name, votes in (stage.get("votes") or {}).items():
        change = transfers.get(name)
        moved = f" ({_signed(change)})" if change not in (None, "0") else ""
        block.add(f"{name}: {shown(votes)}{moved}", indent=14)
    if stage.get("exhausted") not in (None, "0"):
        block.add(_("Non-transferable: {n}").format(n=shown(stage["exhausted"])), indent=14)
    for key, text in (("elected", _("Elected: {names}")), ("excluded", _("Excluded: {names}"))):
        if stage.get(key):
            block.add(text.format(names=", ".join(stage[key])), indent=14)
    for tie in stage.get("tie_breaks") or []:
        block.add(
            _("Tie between {tied}: {chosen} chosen ({rule})").format(
                tied=", ".join(tie["tied"]), chosen=tie["chosen"], rule=tie["rule"]
            ),
            indent=14,
        )
    if stage.get("note"):
        block.add(str(stage["note"]), indent=14)
    return block


def shown(value: object) -> str:
    """An exact count as printed: whole numbers as they are, others to two decimals."""
    text = "0" if value is None else str(value)
    if "/" in text:
        top, bottom = text.split("/", 1)
        return f"{int(top) / int(bottom):.2f}"
    if "." in text:
        return f"{float(text):.2f}"
    return text


def _signed(value: object) -> str:
    text = shown(value)
    return text if text.startswith("-") else f"+{text}"


def render_dispute_form(out: Path, *, info: SheetInfo, return_address: str) -> int:
    """Write the postal form for reporting a wrong vote (for the ballot pack); return the pages."""
    blank = "_" * 8
    form = Block(space_after=HEADING)
    form.add(_("Report a wrong vote: {title}").format(title=info.title), BOLD, TITLE)
    form.add(
        _(
            "Use this form only if the vote listed for your token, after the results, is not "
            "the vote you cast. Do not write your name or address: the report is anonymous."
        )
    )
    fields = Block(space_after=HEADING)
    fields.add(_("Your ballot token (20 digits, from your card):"), BOLD)
    fields.add("   ".join(["______"] * 5), size=HEADING)
    fields.add(_("Your receipt code, if you were given one (8 letters and digits):"), BOLD)
    fields.add(blank, size=HEADING)
    fields.add(_("What is wrong (for example, the vote you cast):"), BOLD)
    for _line in range(6):
        fields.add("_" * 40, size=HEADING)
    post = Block()
    post.add(_("Post it (no name needed) to:"), BOLD)
    for line in return_address.splitlines() or [return_address]:
        post.add(line)
    title = _("Report a wrong vote: {title}").format(title=info.title)
    return write_large_print([form, fields, post], out, title=title, footer=info.footer())
