"""The demo: a realistic slate election run from definition to result on SQLite.

Everything goes through the same services a real election uses: definition,
token issue, voiding, opening (signed commitment), ``cast()`` for every
ballot, closing and counting.  The voters' preferences come from a seeded
model (two slates, popular and less popular candidates, some independents,
some short ballots) so the count has surpluses, exclusions and exhausted votes.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ballotbox import demo_channels
from ballotbox.config import Settings
from ballotbox.core.counting import Result
from ballotbox.core.errors import BallotboxError, InputError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token
from ballotbox.definition import definition_from_dict
from ballotbox.services import casting, elections, issuance, tally
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import upgrade
from ballotbox.wiring import context_for

MARKER = ".ballotbox-demo"

CANDIDATES = [
    # (name, slate, popularity, group)
    ("Amara Okafor", "Renewal", 9.0, "women"),
    ("Ben Hartley", "Renewal", 6.0, ""),
    ("Catriona MacLeod", "Renewal", 4.5, "women"),
    ("Dev Patel", "Renewal", 3.0, ""),
    ("Elena Rossi", "Renewal", 2.0, "women"),
    ("Farid Haddad", "Unity", 8.0, ""),
    ("Grace Mensah", "Unity", 5.5, "women"),
    ("Hugh Davies", "Unity", 3.5, ""),
    ("Ines Ferreira", "Unity", 2.5, "women"),
    ("Jonah Levy", "Unity", 1.5, ""),
    ("Kirsty Bell", "", 4.0, "women"),
    ("Liam O'Connor", "", 1.0, ""),
]
SLATES = {"Renewal": 0.46, "Unity": 0.40, "": 0.14}


class DemoError(BallotboxError):
    code = "demo"


class DemoFolderError(InputError):
    code = "demo_folder"
    template = N_("{folder} exists and is not a ballotbox demo folder; choose another with --dir.")


@dataclass
class DemoRun:
    """What the demo made, for printing and serving."""

    folder: Path
    settings: Settings
    slate: str
    motion: str
    result: Result
    attempts: list[tuple[str, str]] = field(default_factory=list)
    spare_tokens: list[Token] = field(default_factory=list)
    ballots: int = 0


def _definition(
    slug: str, method: str, title: str, now_opens: str, closes: str, **extra: object
) -> dict[str, object]:
    return {
        "slug": slug,
        "title": title,
        "method": method,
        "opens": now_opens,
        "closes": closes,
        **extra,
    }


def ranked_ballot(rng: random.Random) -> list[int]:
    """One voter's ranking: their slate first (popular candidates likelier), then maybe others."""
    slate = rng.choices(list(SLATES), weights=list(SLATES.values()))[0]
    pool = {i + 1: pop for i, (_n, s, pop, _g) in enumerate(CANDIDATES)}
    own = {
        n: w * (4.0 if CANDIDATES[n - 1][1] == slate and slate else 1.0) for n, w in pool.items()
    }
    length = rng.choices([1, 2, 3, 4, 5, 6, 8, 12], weights=[6, 8, 12, 14, 16, 18, 14, 12])[0]
    ranking: list[int] = []
    while own and len(ranking) < length:
        pick = rng.choices(list(own), weights=list(own.values()))[0]
        ranking.append(pick)
        del own[pick]
    return ranking


def run(
    folder: Path,
    *,
    voters: int = 400,
    public_url: str = "http://127.0.0.1:8000",
    seed: int = 2027,
    say: Callable[[str], None] = print,
) -> DemoRun:
    """Build the demo database in ``folder`` (recreated if it was a demo before)."""
    if folder.exists():
        if not (folder / MARKER).exists() and any(folder.iterdir()):
            raise DemoFolderError(folder=str(folder))
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("created by ballotbox demo; safe to delete\n")
    settings = Settings(
        database_url=f"sqlite:///{(folder / 'ballotbox.db').resolve()}",
        key_dir=folder / "keys",
        public_url=public_url,
        organisation="Riverside Branch",
    )
    ctx = context_for(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    now = ctx.clock.now()
    opens = (now - timedelta(hours=1)).isoformat()
    closes = (now + timedelta(days=14)).isoformat()
    slate_def = definition_from_dict(
        _definition(
            "exec-2027",
            "scottish-stv",
            "Branch Executive Committee 2027",
            opens,
            closes,
            description="Six places. Rank as many candidates as you like.",
            seats=6,
            candidates=[
                {
                    "number": i + 1,
                    "name": name,
                    "group": group,
                    "statement": f"https://example.org/statements/{i + 1}",
                }
                for i, (name, _slate, _pop, group) in enumerate(CANDIDATES)
            ],
            group_minimums=[{"group": "women", "minimum": 3}],
        )
    )
    motion_def = definition_from_dict(
        _definition(
            "motion-housing",
            "referendum",
            "Motion 4: Support the tenants' union campaign",
            opens,
            closes,
            description="Conference asks the branch to support the tenants' union campaign.",
        )
    )
    rng = random.Random(seed)
    with transaction(engine) as s:
        slate = elections.create(s, ctx, slate_def)
        motion = elections.create(s, ctx, motion_def)
        slate_tokens = issuance.issue(s, ctx, slate, voters + 60)
        motion_tokens = issuance.issue(s, ctx, motion, 40)
        spoiled = slate_tokens[-5:]
        issuance.void(s, ctx, slate, spoiled)
        elections.open_now(s, ctx, slate)
        elections.open_now(s, ctx, motion)
    say(
        f"Issued {len(slate_tokens)} + {len(motion_tokens)} tokens, "
        f"voided {len(spoiled)}, opened both ballots."
    )

    # Most vote on the web; some text, some phone, some post a letter.
    texted, phoned, posted = voters // 10, voters // 20, voters // 10
    web = voters - texted - phoned - posted
    for token in slate_tokens[:web]:
        with transaction(engine) as s:
            casting.cast(s, ctx, token, ranked_ballot(rng), "web")
    others = [(t, ranked_ballot(rng)) for t in slate_tokens[web:voters]]
    demo_channels.by_text(settings, ctx, others[:texted])
    demo_channels.by_phone(settings, ctx, others[texted : texted + phoned])
    demo_channels.by_post(
        engine, ctx, slate_def.slug, others[texted + phoned :], len(CANDIDATES), say
    )
    for token in motion_tokens[:25]:
        with transaction(engine) as s:
            casting.cast(s, ctx, token, [rng.choices([1, 2, 3], weights=[6, 3, 1])[0]], "web")
    with transaction(engine) as s:
        turnout = elections.overview(s, repository.election_by_slug(s, slate_def.slug)).turnout
    if sum(turnout.values()) != voters:  # every door must have worked; say so loudly if not
        raise DemoError(
            N_("The demo expected {voters} ballots but recorded {turnout}."),
            voters=voters,
            turnout=turnout,
        )
    say(
        f"Cast {voters} slate ballots through cast(): "
        + ", ".join(f"{n} by {channel}" for channel, n in sorted(turnout.items()))
        + "; and 25 motion ballots."
    )

    # What members see when things go wrong (each attempt changes nothing).
    attempts: list[tuple[str, str]] = []
    for label, text, choices in [
        ("a token typed twice", slate_tokens[0].digits, [1]),
        (
            "a typo in the token",
            slate_tokens[voters].digits[:-1] + str((int(slate_tokens[voters].digits[-1]) + 1) % 10),
            [1],
        ),
        ("a voided card", spoiled[0].digits, [1]),
        ("a candidate who does not exist", slate_tokens[voters + 1].digits, [3, 13]),
    ]:
        try:
            with transaction(engine) as s:
                casting.cast(s, ctx, text, choices, "web")
        except BallotboxError as error:
            attempts.append((label, error.message))

    with transaction(engine) as s:
        elections.close_now(s, ctx, repository.election_by_slug(s, slate_def.slug))
    with transaction(engine) as s:
        result = tally.tally(s, ctx, repository.election_by_slug(s, slate_def.slug))
    engine.dispose()
    return DemoRun(
        folder=folder,
        settings=settings,
        slate=slate_def.slug,
        motion=motion_def.slug,
        result=result,
        attempts=attempts,
        spare_tokens=motion_tokens[25:30],
        ballots=voters,
    )
