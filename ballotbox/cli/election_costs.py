"""``ballotbox election costs``: what a ballot will cost by channel, and what it has cost."""

from __future__ import annotations

import typer


def costs(
    slug: str = typer.Argument(..., help="The election's slug."),
    members: int | None = typer.Option(
        None, "--members", help="Members to plan for (default: the registers, else tokens)."
    ),
    cards: int | None = typer.Option(
        None, "--cards", help="Ballot cards to print (default: one per member)."
    ),
    large_print: int | None = typer.Option(
        None, "--large-print", help="Large-print A4 cards (default: the register's large-print)."
    ),
    papers: int | None = typer.Option(
        None, "--papers", help="Postal ballot papers (default: the register's ballot-paper)."
    ),
    posted: int | None = typer.Option(
        None, "--posted", help="Cards posted to members (default: every card and large print)."
    ),
    turnout: float = typer.Option(0.5, "--turnout", help="Expected turnout, 0 to 1."),
    sms_share: float = typer.Option(0.15, "--sms-share", help="Share of voters by SMS, 0 to 1."),
    phone_share: float = typer.Option(
        0.10, "--phone-share", help="Share of voters by phone, 0 to 1."
    ),
) -> None:
    """Forecast what a ballot will cost by channel, and show what it has cost so far.

    Unit prices come from the settings (BALLOTBOX_PRICE_PRINT_CARD,
    BALLOTBOX_PRICE_POSTAGE_LETTER, BALLOTBOX_PRICE_SMS_SEGMENT,
    BALLOTBOX_PRICE_PHONE_MINUTE…); docs/costs.md gives the defaults and
    every assumption.  "So far" counts cards printed and posted, letters
    received, and the SMS segments and call minutes used.

    Example: ballotbox election costs nec-2027 --large-print 40 --papers 300 --turnout 0.4
    """
    from rich.table import Table

    from ballotbox.cli.common import console, session, settings
    from ballotbox.services import costs as service
    from ballotbox.storage import repository

    wanted = service.Assumptions(
        members=members,
        cards=cards,
        large_print=large_print,
        papers=papers,
        posted=posted,
        turnout=turnout,
        sms_share=sms_share,
        phone_share=phone_share,
    )
    config = settings()
    with session(write=False) as (s, _ctx):
        election = repository.election_by_slug(s, slug)
        report = service.cost_report(s, config, election, wanted)
    cur = report.currency
    table = Table(title=f"Costs of {slug} for {report.members} member(s), in {cur}")
    for name, justify in [
        ("channel", "left"),
        ("item", "left"),
        ("each", "right"),
        ("forecast", "right"),
        ("cost", "right"),
        ("so far", "right"),
        ("cost", "right"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for line in report.lines:
        table.add_row(
            line.channel,
            line.item,
            str(line.unit_price),
            str(line.forecast),
            str(line.forecast_cost),
            str(line.so_far),
            str(line.so_far_cost),
        )
    table.add_section()
    table.add_row("total", "", "", "", str(report.forecast_total), "", str(report.so_far_total))
    console.print(table)
    by_channel = report.by_channel()
    console.print(
        "By channel (forecast / so far): "
        + "; ".join(f"{ch} {f} / {sf} {cur}" for ch, (f, sf) in by_channel.items())
    )
    for line in report.unattributed:
        console.print(
            f"Not attributed to one ballot (several were open): {line.so_far} {line.item}, "
            f"{line.so_far_cost} {cur}."
        )
    console.print(
        f"Assumed: turnout {turnout:.0%}, {sms_share:.0%} of voters by SMS "
        f"({wanted.segments_per_sms_vote} segments each), {phone_share:.0%} by phone "
        f"({wanted.minutes_per_call} minutes each); docs/costs.md explains the forecast."
    )
