"""Checking a vote by text, once the ballot is published: ``CHECK <token>``, ``DISPUTE``.

``CHECK <token>`` (or the token alone, after publication) answers with what
is recorded for the token: every contest's candidates in order or its answer,
and the receipt code; or that no vote was recorded, or the card was
cancelled.  ``DISPUTE <token> <code>`` records a report that the published
vote is not the one cast, marked by whether the code is the published vote's.
The sender's number is used only for the failure limit, as around voting.
"""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.adapters.sms.replies import split_messages
from ballotbox.core.i18n import _
from ballotbox.services import Context
from ballotbox.services.checking import CheckedVote, check_vote, describe
from ballotbox.services.disputes import DisputeReport, report_dispute


def check_messages(vote: CheckedVote) -> list[str]:
    """The reply to a check, in as few one-segment messages as it fits (GSM-7 where it can):
    the ballot, the token's last digits, then each contest's recorded vote and the code."""
    head = _("{title}, token ending {last}:").format(title=vote.title, last=vote.token.digits[-4:])
    lines = [line if line.endswith(".") else f"{line}." for line in describe(vote)]
    return split_messages([head, *lines])


def check_reply(session: Session, ctx: Context, token: str) -> list[str]:
    """``CHECK <token>``: what is recorded for it (the domain error when it cannot be told)."""
    return check_messages(check_vote(session, ctx, token))


def dispute_text(report: DisputeReport) -> str:
    """The reply to a dispute: recorded, without the number, and what the code showed."""
    said = [_("Your report has been recorded, without your number.")]
    if report.receipt_check == "code-matches":
        said.append(_("Your receipt code matches the vote published for this token."))
    elif report.receipt_check == "not-valid":
        said.append(_("That receipt code is not the code of the vote published for this token."))
    said.append(_("The count of reports is on the audit page."))
    return " ".join(said)


def dispute_reply(session: Session, ctx: Context, token: str, code: str) -> str:
    """``DISPUTE <token> <code>``: store the report and say what the code showed."""
    return dispute_text(report_dispute(session, ctx, token, channel="sms", receipt=code))
