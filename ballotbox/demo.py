"""The demo: one realistic ballot of three contests, run from definition to result on SQLite.

The branch's annual ballot holds a 6-seat executive slate by Scottish STV (at
least three women), a chair by IRV and a motion needing two thirds.  Every
step goes through the services a real ballot uses: definition, token issue,
voiding, opening (signed commitment), casting through every door (the web
pages and JSON API, SMS, phone and posted letters, see :mod:`ballotbox.demo_channels`),
closing and counting.  Voters' choices come from a seeded model (two slates,
popular and less popular candidates, short ballots, contests left blank), so
the count has surpluses, exclusions and exhausted votes; the demo then checks
that every door recorded exactly what the voter chose.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ballotbox import demo_channels
from ballotbox.config import Settings
from ballotbox.core.errors import BallotboxError, InputError
from ballotbox.core.i18n import N_
from ballotbox.core.tokens.format import Token
from ballotbox.definition import ElectionDefinition, definition_from_dict
from ballotbox.services import Context, accounts, casting, elections, issuance, tally, totp
from ballotbox.services.tally import Count
from ballotbox.storage import repository
from ballotbox.storage.db import make_engine, transaction
from ballotbox.storage.migrate import upgrade
from ballotbox.storage.models_postal import Role
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
# Chair candidates: (name, the slate whose voters lean to them, popularity).
CHAIRS = [
    ("Amara Okafor", "Renewal", 5.0),
    ("Farid Haddad", "Unity", 4.5),
    ("Kirsty Bell", "", 3.0),
    ("Dev Patel", "Renewal", 1.5),
]
# Yes / No / Abstain on the motion, by slate.
MOTION = {"Renewal": (8, 2, 1), "Unity": (5, 5, 1), "": (6, 3, 2)}
BLANK = {"A": 0.03, "B": 0.08, "C": 0.05}  # how often a voter leaves a contest blank
DemoBallot = dict[str, list[int]]


class DemoError(BallotboxError):
    code = "demo"


class DemoFolderError(InputError):
    code = "demo_folder"
    template = N_("{folder} exists and is not a ballotbox demo folder; choose another with --dir.")


DEMO_OFFICER = "officer"
DEMO_PASSWORD = "riverside demo only"  # noqa: S105 - printed by the demo; its folder only


@dataclass
class DemoRun:
    """What the demo made, for printing and serving."""

    folder: Path
    settings: Settings
    ballot: str
    definition: ElectionDefinition
    count: Count
    trial: str
    attempts: list[tuple[str, str]] = field(default_factory=list)
    spare_tokens: list[Token] = field(default_factory=list)
    ballots: int = 0
    officer: DemoOfficer | None = None


@dataclass(frozen=True)
class DemoOfficer:
    """The demo's returning officer account for the console at /admin."""

    username: str
    password: str
    otpauth: str  # the one-time code secret, as an authenticator app reads it

    def code_now(self) -> str:
        """The one-time code for this moment (it changes every 30 seconds)."""
        return totp.code_at(totp.secret_of(self.otpauth), datetime.now(UTC))


def annual_ballot(opens: str, closes: str) -> dict[str, Any]:
    """The definition document of the demo's ballot of three contests."""
    return {
        "slug": "agm-2027",
        "title": "Riverside Branch annual ballot 2027",
        "opens": opens,
        "closes": closes,
        "contests": [
            {
                "key": "A",
                "title": "Branch Executive Committee",
                "description": "Six places; at least three must go to women. Rank as many "
                "candidates as you like.",
                "method": "scottish-stv",
                "seats": 6,
                "candidates": [
                    {
                        "number": i + 1,
                        "name": name,
                        "group": group,
                        "statement": f"https://example.org/statements/{i + 1}",
                    }
                    for i, (name, _slate, _pop, group) in enumerate(CANDIDATES)
                ],  # fmt: skip
                "group_minimums": [{"group": "women", "minimum": 3}],
            },
            {
                "key": "B",
                "title": "Branch Chair",
                "method": "irv",
                "candidates": [
                    {"number": i + 1, "name": name} for i, (name, _s, _p) in enumerate(CHAIRS)
                ],
            },
            {
                "key": "C",
                "title": "Motion 4: Support the tenants' union campaign",
                "description": "Conference asks the branch to support the campaign. "
                "Carried if more than two thirds of those voting Yes or No vote Yes.",
                "method": "referendum",
                "threshold": "2/3",
            },
        ],
    }


def trial_ballot(opens: str, closes: str) -> dict[str, Any]:
    """A second ballot left open after the demo, for trying the voting pages."""
    return {
        "slug": "special-2027",
        "title": "Special ballot: treasurer and rule change",
        "opens": opens,
        "closes": closes,
        "contests": [
            {"title": "Treasurer", "method": "irv",
             "candidates": [{"number": 1, "name": "Grace Mensah"},
                            {"number": 2, "name": "Hugh Davies"},
                            {"number": 3, "name": "Ines Ferreira"}]},
            {"title": "Rule change 7: meetings online as well", "method": "referendum"},
        ],
    }  # fmt: skip


def _ranking(rng: random.Random, weights: dict[int, float], lengths: list[int]) -> list[int]:
    """Draw candidates one by one, likelier by weight, up to a drawn length."""
    length = rng.choices(lengths, weights=[len(lengths) - i for i in range(len(lengths))])[0]
    own, ranking = dict(weights), list[int]()
    while own and len(ranking) < length:
        pick = rng.choices(list(own), weights=list(own.values()))[0]
        ranking.append(pick)
        del own[pick]
    return ranking


def ranked_ballot(rng: random.Random, slate: str) -> list[int]:
    """A slate ranking: the voter's slate first (popular candidates likelier), maybe others."""
    pool = {i + 1: pop for i, (_n, s, pop, _g) in enumerate(CANDIDATES)}
    own = {
        n: w * (4.0 if CANDIDATES[n - 1][1] == slate and slate else 1.0) for n, w in pool.items()
    }
    return _ranking(rng, own, [6, 5, 4, 8, 3, 12, 2, 1])


def voter_ballot(rng: random.Random) -> DemoBallot:
    """One voter's choices in every contest (some contests left blank, never all)."""
    slate = rng.choices(list(SLATES), weights=list(SLATES.values()))[0]
    chairs = {
        i + 1: pop * (3.0 if lean == slate and slate else 1.0)
        for i, (_name, lean, pop) in enumerate(CHAIRS)
    }
    ballot = {
        "A": ranked_ballot(rng, slate),
        "B": _ranking(rng, chairs, [2, 1, 3, 4]),
        "C": [rng.choices([1, 2, 3], weights=MOTION[slate])[0]],
    }
    for key, chance in BLANK.items():
        if rng.random() < chance:
            ballot[key] = []
    return ballot if any(ballot.values()) else {**ballot, "C": [3]}


def run(
    folder: Path,
    *,
    voters: int = 400,
    public_url: str = "http://127.0.0.1:8000",
    seed: int = 2027,
    say: Callable[[str], None] = print,
) -> DemoRun:
    """Build the demo database in ``folder`` (recreated if it was a demo before)."""
    settings = _fresh_folder(folder, public_url)
    ctx = context_for(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    now = ctx.clock.now()
    opens, closes = (now - timedelta(hours=1)).isoformat(), (now + timedelta(days=14)).isoformat()
    definition = definition_from_dict(annual_ballot(opens, closes))
    trial = definition_from_dict(trial_ballot(opens, closes))
    with transaction(engine) as s:
        ballot = elections.create(s, ctx, definition)
        elections.create(s, ctx, trial)
        tokens = issuance.issue(s, ctx, ballot, voters + 60)
        trial_tokens = issuance.issue(s, ctx, repository.election_by_slug(s, trial.slug), 20)
        spoiled = tokens[-5:]
        issuance.void(s, ctx, ballot, spoiled)
        elections.open_now(s, ctx, ballot)
        elections.open_now(s, ctx, repository.election_by_slug(s, trial.slug))
        _account, uri = accounts.add_officer(s, ctx, DEMO_OFFICER, Role.OFFICER, DEMO_PASSWORD)
    say(
        f"Issued {len(tokens)} cards for “{definition.title}” (contests A, B, C on one card) "
        f"and {len(trial_tokens)} for a second ballot; voided {len(spoiled)}; opened both."
    )

    rng = random.Random(seed)
    intended = [(token, voter_ballot(rng)) for token in tokens[:voters]]
    # Most vote on the web; some text, some phone, some post a letter.
    texted, phoned, posted = voters // 10, voters // 20, voters // 10
    web = voters - texted - phoned - posted
    demo_channels.by_web(settings, ctx, definition, intended[:web], on_pages=min(web, 20))
    doors = intended[web:]
    demo_channels.by_text(settings, ctx, definition, doors[:texted])
    demo_channels.by_phone(settings, ctx, definition, doors[texted : texted + phoned])
    demo_channels.by_post(engine, ctx, definition, doors[texted + phoned :], say)
    turnout = _check_recorded(engine, definition, intended)
    say(
        f"Cast {voters} ballots through cast(), each with all three contests: "
        + ", ".join(f"{n} by {channel}" for channel, n in sorted(turnout.items()))
        + "."
    )
    attempts = _refusals(engine, ctx, tokens, voters, spoiled)
    with transaction(engine) as s:
        elections.close_now(s, ctx, repository.election_by_slug(s, definition.slug))
    with transaction(engine) as s:
        count = tally.tally(s, ctx, repository.election_by_slug(s, definition.slug))
    engine.dispose()
    return DemoRun(
        folder=folder,
        settings=settings,
        ballot=definition.slug,
        definition=definition,
        count=count,
        trial=trial.slug,
        attempts=attempts,
        spare_tokens=trial_tokens[:5],
        ballots=voters,
        officer=DemoOfficer(DEMO_OFFICER, DEMO_PASSWORD, uri),
    )


def _fresh_folder(folder: Path, public_url: str) -> Settings:
    """Recreate the demo folder (refusing one that is not a demo's) and its settings."""
    if folder.exists():
        if not (folder / MARKER).exists() and any(folder.iterdir()):
            raise DemoFolderError(folder=str(folder))
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("created by ballotbox demo; safe to delete\n")
    return Settings(
        database_url=f"sqlite:///{(folder / 'ballotbox.db').resolve()}",
        key_dir=folder / "keys",
        public_url=public_url,
        organisation="Riverside Branch",
    )


def _check_recorded(
    engine: Any, definition: ElectionDefinition, intended: list[tuple[Token, DemoBallot]]
) -> dict[str, int]:
    """Turnout by channel, once every door is shown to have recorded exactly what was chosen."""
    with transaction(engine, write=False) as s:
        election = repository.election_by_slug(s, definition.slug)
        assert election.id is not None
        recorded = {b.token: json.loads(b.choices) for b in repository.ballots(s, election.id)}
        turnout = elections.overview(s, election).turnout
    wrong = [t.grouped for t, ballot in intended if recorded.get(t.digits) != ballot]
    if wrong or sum(turnout.values()) != len(intended):  # every door must work; say so loudly
        raise DemoError(
            N_("The demo expected {voters} ballots as chosen but recorded {turnout}; "
               "{wrong} differ."),
            voters=len(intended), turnout=turnout, wrong=len(wrong),
        )  # fmt: skip
    return turnout


def _refusals(
    engine: Any, ctx: Context, tokens: list[Token], voters: int, spoiled: list[Token]
) -> list[tuple[str, str]]:
    """What members see when things go wrong (each attempt changes nothing)."""
    typo = tokens[voters].digits[:-1] + str((int(tokens[voters].digits[-1]) + 1) % 10)
    attempts: list[tuple[str, str]] = []
    for label, text, choices in [
        ("a token typed twice", tokens[0].digits, {"C": [1]}),
        ("a typo in the token", typo, {"C": [1]}),
        ("a voided card", spoiled[0].digits, {"C": [1]}),
        ("a chair candidate who does not exist (contest B)", tokens[voters + 1].digits,
         {"A": [3], "B": [9]}),
        ("a ballot left blank in every contest", tokens[voters + 1].digits, {}),
    ]:  # fmt: skip
        try:
            with transaction(engine) as s:
                casting.cast(s, ctx, text, choices, "web")
        except BallotboxError as error:
            attempts.append((label, error.message))
    return attempts
