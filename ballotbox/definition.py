"""Ballot definitions: the TOML file a returning officer writes, validated.

A **ballot** (one card, one token per member, one opening and closing) holds
one or more **contests**, each with a short key printed on the card (``A``,
``B``, ``C`` …), a method, seats and candidates::

    slug = "agm-2027"
    title = "Annual ballot 2027"
    opens = 2027-03-01T09:00:00Z
    closes = 2027-03-21T17:00:00Z

    [[contests]]
    key = "A"
    title = "Executive committee"
    method = "scottish-stv"
    seats = 6
    [[contests.candidates]]
    number = 1
    name = "Ann Example"

The one-contest form used before contests existed (``method``, ``seats``,
``candidates`` … at the top level) is still accepted and is exactly a ballot
with one contest, key ``A``, titled like the ballot; such a ballot is stored
and published in that form, byte for byte as before (:meth:`document`).

Every problem is reported at once, each with the field and, where it can be
found, the line of the file, so one edit fixes everything.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ballotbox.core import i18n
from ballotbox.core.controlchars import control_characters_in
from ballotbox.core.errors import DefinitionError
from ballotbox.core.vocabulary import CHANNELS, RANKED_METHODS, REFERENDUM_ANSWERS, Channel, Method

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}\Z")
KEY = re.compile(r"^[A-Z]\Z")
MAX_CONTESTS = 26  # one letter each, A–Z
MAX_DEFINITION_CHARS = 2_000_000  # ample for 999 candidates with long statements
MAX_CANDIDATES = 999  # candidate numbers run from 1 to 999 (in each contest)
MAX_PROBLEMS = 50  # listed; the rest are counted
DEFAULT_TIMEZONE = "Europe/London"
MULTILINE_FIELDS = frozenset({"description", "statement"})
TITLE_IN = re.compile(r"^title_([A-Za-z]{2,3}(?:[-_][A-Za-z]{2})?)\Z")  # title_cy: a translation

# The fields of a contest that the one-contest form writes at the top level.
CONTEST_FIELDS = (
    "method",
    "seats",
    "max_choices",
    "candidates",
    "threshold",
    "abstentions_count",
    "group_minimums",
)

Location = tuple[str | int, ...]


def gather_titles(data: Any) -> Any:
    """A table with its ``title_<language>`` keys gathered into ``titles`` (language → title)."""
    if not isinstance(data, dict) or not any(TITLE_IN.match(str(k)) for k in data):
        return data
    titles = {k: v for k, v in data.items() if TITLE_IN.match(str(k))}
    rest = {k: v for k, v in data.items() if k not in titles}
    return {**rest, "titles": {TITLE_IN.match(k)[1]: v for k, v in titles.items()}}  # type: ignore[index]


def checked_titles(value: dict[str, str]) -> dict[str, str]:
    """Translated titles keyed by a language ballotbox speaks; a clear message otherwise."""
    checked: dict[str, str] = {}
    for written, title in value.items():
        code = i18n.normalise(written)
        if code is None:
            known = ", ".join(f"title_{c}" for c in i18n.languages())
            raise ValueError(f"title_{written}: no language “{written}”; use {known}")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise ValueError(f"title_{written}: give the title, at most 200 characters")
        checked[code] = title.strip()
    return checked


class CandidateDefinition(BaseModel):
    """A candidate as written in the definition."""

    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=999)
    name: str = Field(min_length=1, max_length=200)
    statement: str = ""
    url: str = ""
    group: str = ""

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a candidate needs a name")
        return value.strip()

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://\S+\Z", value):
            raise ValueError("must be an http:// or https:// address")
        return value


class GroupMinimum(BaseModel):
    """At least ``minimum`` of those elected must come from ``group``."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1)
    minimum: int = Field(ge=1)


class ContestDefinition(BaseModel):
    """One question on the ballot: a slate, a post, or a motion."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field("A", description="the letter printed on cards and used by SMS and phone")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    method: Method
    seats: int = Field(1, ge=1, le=100)
    max_choices: int | None = Field(None, ge=1, description="plurality: vote for up to N")
    candidates: list[CandidateDefinition] = Field(default_factory=list)
    threshold: str = Field("1/2", description="referendum: share of votes cast Yes must exceed")
    abstentions_count: bool = False
    group_minimums: list[GroupMinimum] = Field(default_factory=list)
    # The title in other languages, written title_cy = "…" (candidate names are never translated).
    titles: dict[str, str] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _title_translations(cls, data: Any) -> Any:
        """Gather ``title_<language>`` keys into :attr:`titles`."""
        return gather_titles(data)

    @field_validator("titles")
    @classmethod
    def _known_title_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return checked_titles(value)

    @property
    def local_title(self) -> str:
        """The title in the language being spoken or shown, else as written."""
        return self.titles.get(i18n.current_locale(), self.title)

    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError("use one capital letter, A to Z")
        return value

    @field_validator("threshold")
    @classmethod
    def _check_threshold(cls, value: str) -> str:
        try:
            share = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError("write the threshold as a fraction such as 1/2 or 2/3") from None
        if not 0 < share < 1:
            raise ValueError("the threshold must be between 0 and 1")
        return value

    @model_validator(mode="after")
    def _normalise(self) -> ContestDefinition:
        # A referendum's "candidates" are its answers; they are filled in here
        # (a definition that lists other answers is refused by contest_problems).
        if self.method == "referendum" and not self.candidates:
            self.candidates = referendum_answers()
        self.candidates.sort(key=lambda c: c.number)
        return self

    @property
    def ranked(self) -> bool:
        """True when voters rank candidates in order of preference."""
        return self.method in RANKED_METHODS

    @property
    def choice_limit(self) -> int:
        """How many candidates a ballot may mark in this contest."""
        if self.method == "plurality":
            return self.max_choices or self.seats
        if self.method == "referendum":
            return 1
        return len(self.candidates)

    def candidate_names(self) -> dict[int, str]:
        """Candidate number → name."""
        return {c.number: c.name for c in self.candidates}


class ElectionDefinition(BaseModel):
    """A validated ballot definition: schedule, channels and one or more contests."""

    model_config = ConfigDict(extra="forbid")

    slug: str
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    opens: datetime
    closes: datetime
    channels: list[Channel] = Field(default_factory=lambda: all_channels(), min_length=1)
    languages: list[str] = Field(
        default_factory=lambda: [i18n.DEFAULT_LOCALE],
        min_length=1,
        description="the languages members are offered, the primary first (SMS, phone menu)",
    )
    sms_transliterate: bool = Field(
        default=True,
        description="SMS replies spell names in GSM-7 letters (Siân → Sian), 160 characters a "
        "part; false keeps every letter, in 70-character parts when a name needs it",
    )
    tie_seed: str = Field(default_factory=lambda: secrets.token_hex(16))
    contests: list[ContestDefinition] = Field(min_length=1, max_length=MAX_CONTESTS)
    timezone: str | None = Field(
        None, description="the IANA zone every printed or spoken time is given in"
    )
    # The ballot's title in other languages, written title_cy = "…" at the top level.
    titles: dict[str, str] = Field(default_factory=dict, exclude=True)

    @field_validator("titles")
    @classmethod
    def _known_title_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return checked_titles(value)

    @model_validator(mode="before")
    @classmethod
    def _one_contest_form(cls, data: Any) -> Any:
        """Read the one-contest form (method, candidates … at the top level) as one contest.

        ``title_<language>`` keys at the top level translate the ballot's title
        (in the one-contest form, its contest's title too).
        """
        if not isinstance(data, dict):
            return data
        data = gather_titles(data)
        if "contests" in data:
            written = data["contests"]
            if isinstance(written, list):  # default keys by position: A, B, C …
                written = [
                    {"key": chr(ord("A") + i), **c} if isinstance(c, dict) and i < MAX_CONTESTS
                    else c
                    for i, c in enumerate(written)
                ]  # fmt: skip
            return {**data, "contests": written}
        if not any(field in data for field in CONTEST_FIELDS):
            return data  # neither form: "contests" is reported missing
        outer = {k: v for k, v in data.items() if k not in CONTEST_FIELDS}
        contest = {k: v for k, v in data.items() if k in CONTEST_FIELDS}
        contest.update(key="A", title=data.get("title", ""))
        if isinstance(data.get("titles"), dict):
            contest["titles"] = data["titles"]
        return {**outer, "contests": [contest]}

    @field_validator("slug")
    @classmethod
    def _check_slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                "use 2-63 lower-case letters, digits and dashes, starting with a letter or digit"
            )
        return value

    @field_validator("opens", "closes")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-10T09:00:00Z")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a time zone name such as Europe/London") from None
        return value

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        codes = []
        for written in value:
            code = i18n.normalise(written)
            if code is None:
                known = ", ".join(i18n.languages())
                raise ValueError(f"“{written}” is not a language ballotbox speaks; use {known}")
            codes.append(code)
        if len(set(codes)) != len(codes):
            raise ValueError("a language is listed twice")
        return codes

    @property
    def languages_listed(self) -> bool:
        """True when the definition lists its languages (else it follows the installation's)."""
        return "languages" in self.model_fields_set

    @property
    def local_title(self) -> str:
        """The ballot's title in the language being spoken or shown, else as written."""
        return self.titles.get(i18n.current_locale(), self.title)

    def title_in(self, language: str) -> str:
        """The ballot's title in ``language`` (as written when it has no translation)."""
        return self.titles.get(language, self.title)

    @property
    def zone(self) -> str:
        """The time zone the ballot's times are printed and spoken in (default Europe/London)."""
        return self.timezone or DEFAULT_TIMEZONE

    @property
    def single(self) -> bool:
        """True for a ballot with one contest (voted and published without contest keys)."""
        return len(self.contests) == 1

    @property
    def keys(self) -> list[str]:
        """The contest keys in ballot order."""
        return [c.key for c in self.contests]

    def contest(self, key: str) -> ContestDefinition:
        """The contest with ``key`` (KeyError when there is none)."""
        for contest in self.contests:
            if contest.key == key:
                return contest
        raise KeyError(key)

    def is_one_contest_form(self) -> bool:
        """True when this ballot is written, stored and published in the one-contest form."""
        if not self.single:
            return False
        only = self.contests[0]
        return (
            only.key == "A"
            and only.title == self.title
            and not only.description
            and only.titles == self.titles
        )

    def document(self) -> dict[str, Any]:
        """The canonical JSON document stored, committed to and published.

        A ballot that the one-contest form describes is written in that form,
        so that such ballots hash and publish exactly as before contests existed.
        """
        data: dict[str, Any] = self.model_dump(mode="json")
        for name in _WRITTEN_ONLY:  # fields newer than stored ballots: kept only when written
            if name not in self.model_fields_set:
                del data[name]
        # Translations of the title only when written, so older ballots hash exactly as before.
        data.update({f"title_{code}": title for code, title in self.titles.items()})
        if not self.is_one_contest_form():
            for written, contest in zip(data["contests"], self.contests, strict=True):
                written.update({f"title_{code}": title for code, title in contest.titles.items()})
            return data
        contest = data.pop("contests")[0]
        for name in ("key", "title", "description"):
            contest.pop(name)
        return {**data, **contest}


#: Fields a definition stores only when it sets them, so older ballots hash exactly as before.
_WRITTEN_ONLY = ("languages", "sms_transliterate", "timezone")


def all_channels() -> list[Channel]:
    """Every channel, the default for a ballot that names none."""
    return list(CHANNELS)


def referendum_answers() -> list[CandidateDefinition]:
    """A referendum's answers as numbered choices: 1 Yes, 2 No, 3 Abstain."""
    return [
        CandidateDefinition(number=i, name=name) for i, name in enumerate(REFERENDUM_ANSWERS, 1)
    ]


def document_toml(document: dict[str, Any]) -> str:
    """A stored definition document as TOML that ``election create`` reads back to the same
    document (the canonical export: opening and closing times as TOML datetimes)."""
    from ballotbox.core import tomlwrite

    written = dict(document)
    for name in ("opens", "closes"):
        if isinstance(written.get(name), str):
            written[name] = datetime.fromisoformat(written[name])
    return tomlwrite.dumps(written)


def contest_problems(contest: ContestDefinition, given: list[Any]) -> Iterator[tuple[str, str]]:
    """(field, message) for every rule a validated contest breaks as a whole.

    ``given`` is the candidate list as written (a referendum may leave it out).
    """
    if contest.method == "referendum" and given and contest.candidates != referendum_answers():
        yield "candidates", "a referendum has the answers Yes, No and Abstain"
    numbers = [c.number for c in contest.candidates]
    names = [c.name.casefold() for c in contest.candidates]
    if len(contest.candidates) < 2:
        yield "candidates", "at least two are needed"
    if len(set(numbers)) != len(numbers):
        yield "candidates", "two candidates have the same number"
    if len(set(names)) != len(names):
        yield "candidates", "two candidates have the same name"
    if contest.method in {"irv", "referendum"} and contest.seats != 1:
        yield "seats", f"{contest.method} fills exactly one seat"
    if contest.method != "referendum" and contest.seats >= len(contest.candidates) >= 2:
        yield "seats", "there must be more candidates than seats"
    if contest.max_choices is not None and contest.method != "plurality":
        yield "max_choices", "only plurality (vote for up to N) uses it"
    for rule in contest.group_minimums:
        members = sum(1 for c in contest.candidates if c.group == rule.group)
        if rule.minimum > min(members, contest.seats):
            yield (
                "group_minimums",
                f"{rule.minimum} from “{rule.group}” is impossible "
                f"({members} candidates in the group, {contest.seats} seats)",
            )


def ballot_problems(
    definition: ElectionDefinition, data: dict[str, Any]
) -> Iterator[tuple[Location, str]]:
    """(location, message) for every rule a field-valid ballot breaks as a whole."""
    if definition.closes <= definition.opens:
        yield ("closes",), "must be after opens"
    one_form = "contests" not in data
    written = data.get("contests") if not one_form else [data]
    keys = [c.key for c in definition.contests]
    for index, contest in enumerate(definition.contests):
        raw = written[index] if isinstance(written, list) and index < len(written) else {}
        given = raw.get("candidates", []) if isinstance(raw, dict) else []
        where: Location = () if one_form else ("contests", index)
        for field, message in contest_problems(contest, given):
            yield (*where, field), message
    if len(set(keys)) != len(keys):
        yield ("contests",), "two contests have the same key"


@lru_cache(maxsize=4)
def _source_index(text: str) -> tuple[list[str], dict[str, list[int]], list[int]]:
    """The lines, where each ``[[table]]`` starts (by dotted name), and every table's line."""
    lines = text.splitlines()
    headers: dict[str, list[int]] = {}
    tables: list[int] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            tables.append(i)
        if stripped.startswith("[[") and stripped.endswith("]]"):
            headers.setdefault(stripped[2:-2].strip(), []).append(i)
    return lines, headers, tables


def _line_of(text: str, loc: Location) -> int | None:
    """Best-effort line number of the field at ``loc`` in the TOML source."""
    lines, headers, tables = _source_index(text)  # built once per text, not per problem
    start, end = 0, len(lines)
    path: list[str] = []
    rest = list(loc)
    # Walk [[contests]] → [[contests.candidates]] / [[contests.group_minimums]] → key.
    while len(rest) >= 2 and isinstance(rest[0], str) and isinstance(rest[1], int):
        path.append(rest[0])
        name = ".".join(path)
        found = [i for i in headers.get(name, []) if start <= i < end]
        if rest[1] >= len(found):
            return None
        start = found[rest[1]]
        nested = f"[[{name}."
        end = next(
            (i for i in tables if start < i < end and not lines[i].strip().startswith(nested)), end
        )
        rest = rest[2:]
    if not rest:
        return start + 1 if path else None
    # A key in this table: before its first sub-table header.
    first = start if path else -1
    end = next((i for i in tables if first < i < end), end)
    found_at = _find_key(lines, rest[0], start, end)
    return found_at or (start + 1 if path else None)


def _find_key(lines: list[str], key: object, start: int, end: int) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return None


def _describe(text: str, loc: Location, message: str) -> str:
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    line = _line_of(text, loc) if text else None
    where = f"line {line}: " if line else ""
    return f"{where}{field}: {message}" if field else f"{where}{message}"


def _pydantic_message(error: dict[str, Any]) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "is not a known setting (check the spelling)"
    if (
        error["type"] in ("string_too_short", "too_short")
        and error.get("ctx", {}).get("min_length") == 1
    ):
        return "cannot be empty"
    return str(error["msg"]).removeprefix("Value error, ")


def _as_written(loc: tuple[Any, ...], data: dict[str, Any]) -> Location:
    """A pydantic location as the file writes it (the one-contest form has no contests[0])."""
    if "contests" not in data and len(loc) >= 2 and loc[:2] == ("contests", 0):
        return tuple(loc[2:])
    return tuple(loc)


def parse_definition(text: str, source: str = "definition") -> ElectionDefinition:
    """Parse and validate a TOML ballot definition, reporting every problem."""
    if len(text) > MAX_DEFINITION_CHARS:
        size = f"{len(text):,} characters; a definition is at most {MAX_DEFINITION_CHARS:,}"
        raise DefinitionError([f"{source}: {size}"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([f"{source}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise DefinitionError([f"{source}: arrays or tables nested too deeply"]) from None
    return definition_from_dict(data, text)


def _before_validation(data: dict[str, Any]) -> list[str]:
    """Problems that make validating the rest pointless: control characters, sheer size."""
    problems = control_characters_in(data, multiline_keys=MULTILINE_FIELDS)
    written = data.get("contests")
    if isinstance(written, list) and len(written) > MAX_CONTESTS:
        problems.append(f"contests: {len(written):,} listed; a ballot has at most {MAX_CONTESTS}")
        return problems
    tables = {"": data}
    if isinstance(written, list):
        tables = {f"contests[{i}].": c for i, c in enumerate(written) if isinstance(c, dict)}
    for prefix, table in tables.items():
        candidates = table.get("candidates")
        if isinstance(candidates, list) and len(candidates) > MAX_CANDIDATES:
            problems.append(
                f"{prefix}candidates: {len(candidates):,} listed; "
                f"a contest can have at most {MAX_CANDIDATES}"
            )
    return problems


def definition_from_dict(data: dict[str, Any], text: str = "") -> ElectionDefinition:
    """Validate an already-parsed definition (``text`` is used only to find line numbers)."""
    early = _before_validation(data)
    if early:
        raise DefinitionError(_capped(early))
    definition, located, total = _validate(data, MAX_PROBLEMS + 1)
    if definition is None or located:
        problems: list[str] = []
        for loc, message in located:
            problem = _describe(text, loc, message)
            if problem not in problems:  # a one-contest ballot's title_xx is its contest's too
                problems.append(problem)
        raise DefinitionError(_capped(problems, total))
    return definition


def located_problems(
    data: dict[str, Any],
) -> tuple[ElectionDefinition | None, list[tuple[Location, str]]]:
    """Validate like :func:`definition_from_dict`, keeping each problem's location.

    Returns the definition (None when it is invalid) and every problem as
    (location, message), for a form that shows each problem beside its field.
    A problem found before the fields are checked (a control character,
    sheer size) has the location ``()``.
    """
    early = _before_validation(data)
    if early:
        return None, [((), problem) for problem in early]
    definition, located, _total = _validate(data, None)
    return (None if located else definition), located


def _validate(
    data: dict[str, Any], limit: int | None
) -> tuple[ElectionDefinition | None, list[tuple[Location, str]], int]:
    """The definition, its located problems (at most ``limit``) and how many there were."""
    try:
        definition = ElectionDefinition.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        located = [
            (_as_written(tuple(error["loc"]), data), _pydantic_message(dict(error)))
            for error in (errors if limit is None else errors[:limit])
        ]
        rules = _contest_rules_despite(data, errors)
        return None, located + rules, len(errors) + len(rules)
    located = list(ballot_problems(definition, data))
    return definition, located, len(located)


def _contest_rules_despite(data: dict[str, Any], errors: list[Any]) -> list[tuple[Location, str]]:
    """The whole-contest rules broken by each contest whose own fields are valid, while other
    fields are not: so that every problem is reported at once, not in two rounds."""
    written = data.get("contests")
    if not isinstance(written, list) or len(written) > MAX_CONTESTS:
        return []
    broken = {
        e["loc"][1] for e in errors if len(e["loc"]) > 1 and e["loc"][0] == "contests"
    }  # fmt: skip
    found: list[tuple[Location, str]] = []
    for i, raw in enumerate(written):
        if i in broken or not isinstance(raw, dict):
            continue
        try:
            contest = ContestDefinition.model_validate({"key": chr(ord("A") + i), **raw})
        except ValidationError:
            continue
        given = raw.get("candidates", [])
        for name, message in contest_problems(contest, given if isinstance(given, list) else []):
            found.append((("contests", i, name), message))
    return found


def _capped(problems: list[str], total: int | None = None) -> list[str]:
    """At most :data:`MAX_PROBLEMS` problems, and how many more there are."""
    total = max(total or 0, len(problems))
    if total <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {total - MAX_PROBLEMS:,} more problem(s)"]
