"""Card print runs against the database: issue tokens and write the cards in one transaction.

The order matters for anonymity and for stock.  Everything that can be checked
is checked *before* a token is issued (the layout, the card text, that no
output file exists), so a refused run issues nothing.  The tokens are then
issued inside the caller's transaction and written to the PDF and/or CSV; if
writing fails half way the exception rolls the transaction back and the files
written so far are deleted, so no token is left valid that was never printed.

Serials are numbered on from earlier runs of the same stock (main ``000001…``,
reserve ``R00001…``).  ``CardRun`` keeps only the number of cards per run; the
serials follow from those counts and are printed on the cards, in the CSV and
in the manifest, never stored against a token.

This module is the DB-backed half of card issuing; ``ballotbox.core.printing.cards`` and
``papers`` are the pure half.  Times are printed in the ballot's own time zone.

Languages: a run prints in ``PrintJob.language`` when one is given (a member's
own language, ``--by-language``); otherwise in the ballot's languages, so a
ballot that lists ``["cy", "en"]`` gets bilingual cards and papers, Welsh
first.  Titles come from the definition's translations (``title_cy``);
candidate names are never translated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from ballotbox.config import Settings
from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_, ballot_languages, normalise, using
from ballotbox.core.printing.carddesign import CardLayoutError, design_card
from ballotbox.core.printing.cards import (
    CardData,
    CardInfo,
    ContestHint,
    MethodHint,
    manifest_path,
    part_paths,
    render_cards,
    write_cards_csv,
)
from ballotbox.core.printing.layouts import CARD_SHEETS, sheet
from ballotbox.core.printing.outputs import OutputExistsError, refuse_existing
from ballotbox.core.printing.papers import (
    PAPER_STYLES,
    PaperContest,
    PaperInfo,
    design_paper,
    render_papers,
)
from ballotbox.definition import ContestDefinition, ElectionDefinition
from ballotbox.services import issuance
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_of
from ballotbox.services.localtime import (  # noqa: F401  (re-exported)
    DEFAULT_TIMEZONE,
    POSTING_DAYS,
    ballot_timezone,
    closing_text,
    posting_text,
)
from ballotbox.storage import repository
from ballotbox.storage.models import Election
from ballotbox.storage.models_members import CardRun

Printed = TypeVar("Printed", CardInfo, PaperInfo)

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class PrintJob:
    """What to write: a card PDF (optionally split), a print-house CSV, or both."""

    pdf: Path | None = None
    csv: Path | None = None
    layout: str = "business"
    split: int | None = None
    reserve: bool = False
    language: str | None = None  # one language only; None: every language the ballot lists


@dataclass(slots=True)
class PrintResult:
    """What a run printed: how many cards, the serial range and the files written."""

    cards: int
    first_serial: str
    last_serial: str
    files: list[Path] = field(default_factory=list)


@contextmanager
def removed_on_failure() -> Iterator[list[Path]]:
    """Collect the files a run writes; delete them if the block fails.

    Enter it *outside* the transaction, so that a failed commit also removes
    the cards of tokens that were never stored.
    """
    created: list[Path] = []
    try:
        yield created
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def serial(number: int, *, reserve: bool) -> str:
    """The serial printed on a card: ``000123`` for main stock, ``R00123`` for the reserve."""
    return f"R{number:05d}" if reserve else f"{number:06d}"


def method_hint(contest: ContestDefinition) -> MethodHint:
    """The card's one-line hint for a contest's voting method."""
    candidates = len(contest.candidates)
    if contest.method == "referendum":
        return MethodHint("yesno", candidates=candidates)
    if contest.ranked:
        return MethodHint("rank", candidates=candidates)
    return MethodHint("choose", candidates=candidates, max_choices=contest.choice_limit)


def contest_hints(definition: ElectionDefinition, language: str = "") -> tuple[ContestHint, ...]:
    """Each contest by key for the card; empty for a ballot of one contest (card unchanged)."""
    if definition.single:
        return ()
    return tuple(
        ContestHint(c.key, c.titles.get(language, c.title), method_hint(c))
        for c in definition.contests
    )


def print_languages(
    definition: ElectionDefinition, settings: Settings, language: str | None = None
) -> list[str]:
    """The languages a run prints in, primary first: ``language`` alone when given, else the
    ballot's first two (a card has room for two)."""
    if language is not None:
        code = normalise(language)
        if code is None:
            raise InputError(
                N_("“{language}” is not a language ballotbox speaks."), language=language
            )
        return [code]
    return ballot_languages(definition, settings.locale)[:2]


def in_languages(
    definition: ElectionDefinition,
    settings: Settings,
    language: str | None,
    build: Callable[[str], Printed],
) -> Printed:
    """``build`` in each language the run prints, the first carrying the second as ``also``."""
    infos = []
    for code in print_languages(definition, settings, language):
        with using(code):
            infos.append(build(code))
    return replace(infos[0], also=infos[1]) if len(infos) > 1 else infos[0]


def card_info(
    election: Election,
    settings: Settings,
    timezone: str | None = None,
    language: str | None = None,
) -> CardInfo:
    """What every card of ``election`` says, from its definition and the installation's settings
    (bilingual when the ballot lists two languages and no single ``language`` is asked for)."""
    definition = definition_of(election)
    channels = set(definition.channels)
    zone = timezone or ballot_timezone(definition)

    def card(code: str) -> CardInfo:
        return CardInfo(
            organisation=settings.organisation,
            title=definition.title_in(code),
            public_url=settings.public_url,
            closes=closing_text(election.closes_at, zone),
            method=method_hint(definition.contests[0]),
            contests=contest_hints(definition, code),
            check_url=f"{settings.public_url.rstrip('/')}/elections/{election.slug}/check",
            web="web" in channels,
            sms_number=settings.sms_number if "sms" in channels else None,
            phone_number=settings.phone_number if "phone" in channels else None,
            postal_address=settings.postal_address if "postal" in channels else None,
            language=code,
        )

    return in_languages(definition, settings, language, card)


def paper_contests(
    election: Election, definition: ElectionDefinition, language: str = ""
) -> tuple[PaperContest, ...]:
    """The contests a ballot paper shows, in ballot order (one contest: titled as the ballot)."""
    return tuple(
        PaperContest(
            key=contest.key,
            title=(
                definition.title_in(language)
                if definition.single
                else contest.titles.get(language, contest.title)
            ),
            method=contest.method,
            seats=contest.seats,
            max_choices=contest.choice_limit if contest.method == "plurality" else None,
            candidates=tuple((c.number, c.name) for c in contest.candidates),
        )
        for contest in definition.contests
    )


def paper_info(
    election: Election,
    settings: Settings,
    timezone: str | None = None,
    language: str | None = None,
) -> PaperInfo:
    """What every postal ballot paper of ``election`` says (bilingual like the cards)."""
    definition = definition_of(election)
    zone = timezone or ballot_timezone(definition)

    def paper(code: str) -> PaperInfo:
        return PaperInfo(
            organisation=settings.organisation,
            title=definition.title_in(code),
            public_url=settings.public_url,
            closes=closing_text(election.closes_at, zone),
            post_by=posting_text(election.closes_at, zone),
            return_address=settings.postal_address or "",
            contests=paper_contests(election, definition, code),
            language=code,
        )

    return in_languages(definition, settings, language, paper)


def preflight(job: PrintJob, info: CardInfo | PaperInfo) -> None:
    """Refuse a run that could not be written, before any token is issued."""
    if job.pdf is None and job.csv is None:
        raise InputError(
            N_("Give --pdf FILE and/or --csv FILE: the tokens exist only in the files written.")
        )
    if job.split is not None and job.pdf is None:
        raise InputError(N_("--split cuts a card PDF into parts; give --pdf FILE as well."))
    if job.split is not None and job.split < 1:
        raise InputError(N_("Cards per file must be at least 1, not {split}."), split=job.split)
    if job.pdf is not None and job.csv is not None and job.pdf.resolve() == job.csv.resolve():
        raise InputError(N_("The PDF and the CSV must be different files."))
    if isinstance(info, PaperInfo):
        design_paper(info, job.layout)
    else:
        grid = sheet(job.layout, CARD_SHEETS)
        design_card(info, job.layout, grid.item_width, grid.item_height)
    for path in (job.pdf, job.csv):
        if path is not None and not path.parent.is_dir():
            raise InputError(N_("The folder {folder} does not exist."), folder=str(path.parent))
    if job.csv is not None:
        refuse_existing(job.csv)
    if job.pdf is not None and job.split is None:
        refuse_existing(job.pdf)
    elif job.pdf is not None:
        pattern = f"{job.pdf.stem}-[0-9][0-9][0-9]{job.pdf.suffix}"
        refuse_existing(manifest_path(job.pdf), *sorted(job.pdf.parent.glob(pattern)))


def job_info(election: Election, ctx: Context, job: PrintJob) -> CardInfo | PaperInfo:
    """What every card (or ballot paper) of ``job`` says, in its language(s)."""
    if job.layout in PAPER_STYLES:
        return paper_info(election, ctx.settings, language=job.language)
    return card_info(election, ctx.settings, language=job.language)


def fits(election: Election, ctx: Context, layout: str, language: str | None) -> bool:
    """Whether the cards of ``election`` in ``language`` fit ``layout`` at its smallest type."""
    grid = sheet(layout, CARD_SHEETS)
    info = card_info(election, ctx.settings, language=language or None)
    try:
        design_card(info, layout, grid.item_width, grid.item_height)
    except CardLayoutError:
        return False
    return True


def default_layout(election: Election, ctx: Context, language: str | None = None) -> str:
    """``business``, or ``postcard`` when the card's text does not fit a business card's two
    sides at 8 pt (a ballot in two languages, or one language that runs long)."""
    return "business" if fits(election, ctx, "business", language) else "postcard"


def record_run(
    session: Session, ctx: Context, election: Election, cards: int, *, reserve: bool
) -> int:
    """Record a print run's card count; return the number of its first serial."""
    assert election.id is not None
    runs = repository.card_runs(session, election.id)
    first = 1 + sum(run.cards for run in runs if run.reserve == reserve)
    session.add(
        CardRun(
            election_id=election.id,
            number=len(runs) + 1,
            reserve=reserve,
            cards=cards,
            printed_at=ctx.clock.now(),
        )
    )
    session.flush()
    return first


def issue_and_print(
    session: Session,
    ctx: Context,
    election: Election,
    count: int,
    job: PrintJob,
    *,
    created: list[Path],
    on_issued: Progress | None = None,
    on_printed: Progress | None = None,
) -> PrintResult:
    """Issue ``count`` tokens and write them as cards; ``created`` collects every file written.

    Call inside a transaction, itself inside :func:`removed_on_failure`: if
    this raises, the transaction rolls back (the tokens vanish) and the files
    already written are deleted.
    """
    info = job_info(election, ctx, job)
    preflight(job, info)
    tokens = issuance.issue(session, ctx, election, count, progress=on_issued)
    first = record_run(session, ctx, election, len(tokens), reserve=job.reserve)

    def cards() -> Iterator[CardData]:
        for offset, token in enumerate(tokens):
            yield CardData(token, serial(first + offset, reserve=job.reserve))

    result = PrintResult(
        cards=len(tokens),
        first_serial=serial(first, reserve=job.reserve),
        last_serial=serial(first + len(tokens) - 1, reserve=job.reserve),
    )
    if job.csv is not None:
        _write_csv(cards(), job.csv, info.public_url, created)
        result.files.append(job.csv)
    if job.pdf is not None:
        if isinstance(info, PaperInfo):
            render_papers(
                cards(), job.pdf, job.layout, info=info, progress=on_printed, split=job.split
            )
        else:
            render_cards(
                cards(), job.pdf, job.layout, info=info, progress=on_printed, split=job.split
            )
        written = _pdf_outputs(job.pdf, len(tokens), job.split)
        created.extend(written)
        result.files.extend(written)
    return result


def _write_csv(cards: Iterator[CardData], path: Path, public_url: str, created: list[Path]) -> None:
    try:
        write_cards_csv(cards, path, public_url=public_url)
    except OutputExistsError:
        raise  # someone else's file: leave it alone
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    created.append(path)


def _pdf_outputs(out: Path, cards: int, split: int | None) -> list[Path]:
    if split is None:
        return [out]
    return [*part_paths(out, -(-cards // split)), manifest_path(out)]
