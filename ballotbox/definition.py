"""Election definitions: the TOML file a returning officer writes, validated.

Every problem is reported at once, each with the field and, where it can be
found, the line of the file, so one edit fixes everything.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ballotbox.core.controlchars import control_characters_in
from ballotbox.core.errors import DefinitionError
from ballotbox.core.vocabulary import CHANNELS, RANKED_METHODS, REFERENDUM_ANSWERS, Channel, Method

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
MAX_DEFINITION_CHARS = 2_000_000  # ample for 999 candidates with long statements
MAX_CANDIDATES = 999  # candidate numbers run from 1 to 999
MAX_PROBLEMS = 50  # listed; the rest are counted
MULTILINE_FIELDS = frozenset({"description", "statement"})


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
        if value and not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http:// or https:// address")
        return value


class GroupMinimum(BaseModel):
    """At least ``minimum`` of those elected must come from ``group``."""

    model_config = ConfigDict(extra="forbid")

    group: str = Field(min_length=1)
    minimum: int = Field(ge=1)


class ElectionDefinition(BaseModel):
    """A validated election definition."""

    model_config = ConfigDict(extra="forbid")

    slug: str
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    method: Method
    seats: int = Field(1, ge=1, le=100)
    max_choices: int | None = Field(None, ge=1, description="plurality: vote for up to N")
    opens: datetime
    closes: datetime
    channels: list[Channel] = Field(default_factory=lambda: list(CHANNELS), min_length=1)
    candidates: list[CandidateDefinition] = Field(default_factory=list)
    tie_seed: str = Field(default_factory=lambda: secrets.token_hex(16))
    threshold: str = Field("1/2", description="referendum: share of votes cast Yes must exceed")
    abstentions_count: bool = False
    group_minimums: list[GroupMinimum] = Field(default_factory=list)

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

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
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
    def _check_whole(self) -> ElectionDefinition:
        problems: list[str] = []
        if self.closes <= self.opens:
            problems.append("closes: must be after opens")
        if self.method == "referendum":
            answers = [
                CandidateDefinition(number=i, name=name)
                for i, name in enumerate(REFERENDUM_ANSWERS, start=1)
            ]
            if self.candidates and self.candidates != answers:
                problems.append("candidates: a referendum has the answers Yes, No and Abstain")
            self.candidates = answers
        numbers = [c.number for c in self.candidates]
        names = [c.name.casefold() for c in self.candidates]
        if len(self.candidates) < 2:
            problems.append("candidates: at least two are needed")
        if len(set(numbers)) != len(numbers):
            problems.append("candidates: two candidates have the same number")
        if len(set(names)) != len(names):
            problems.append("candidates: two candidates have the same name")
        if self.method in {"irv", "referendum"} and self.seats != 1:
            problems.append(f"seats: {self.method} fills exactly one seat")
        if self.method != "referendum" and self.seats >= len(self.candidates) >= 2:
            problems.append("seats: there must be more candidates than seats")
        if self.max_choices is not None and self.method != "plurality":
            problems.append("max_choices: only plurality (vote for up to N) uses it")
        for rule in self.group_minimums:
            members = sum(1 for c in self.candidates if c.group == rule.group)
            if rule.minimum > min(members, self.seats):
                problems.append(
                    f"group_minimums: {rule.minimum} from “{rule.group}” is impossible "
                    f"({members} candidates in the group, {self.seats} seats)"
                )
        if problems:
            raise ValueError("; ".join(problems))
        self.candidates.sort(key=lambda c: c.number)
        return self

    @property
    def ranked(self) -> bool:
        """True when voters rank candidates in order of preference."""
        return self.method in RANKED_METHODS

    @property
    def choice_limit(self) -> int:
        """How many candidates a ballot may mark."""
        if self.method == "plurality":
            return self.max_choices or self.seats
        if self.method == "referendum":
            return 1
        return len(self.candidates)

    def candidate_names(self) -> dict[int, str]:
        """Candidate number → name."""
        return {c.number: c.name for c in self.candidates}


@lru_cache(maxsize=4)
def _source_index(text: str) -> tuple[list[str], dict[str, list[int]], int]:
    """The lines, where each ``[[table]]`` starts, and where the top-level keys end."""
    lines = text.splitlines()
    headers: dict[str, list[int]] = {}
    top_end = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[[") and stripped.endswith("]]"):
            headers.setdefault(stripped[2:-2].strip(), []).append(i)
        if top_end == len(lines) and line.lstrip().startswith("["):
            top_end = i
    return lines, headers, top_end


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number of the field at ``loc`` in the TOML source."""
    lines, tables, top_end = _source_index(text)  # built once per text, not per problem
    start, end = 0, len(lines)
    if loc and loc[0] in {"candidates", "group_minimums"} and len(loc) > 1:
        index = loc[1] if isinstance(loc[1], int) else 0
        headers = tables.get(loc[0], [])
        if index < len(headers):
            start = headers[index]
            end = headers[index + 1] if index + 1 < len(headers) else len(lines)
            key = loc[2] if len(loc) > 2 else None
            found = _find_key(lines, key, start, end) if key is not None else None
            return found or start + 1
        else:
            return None
    elif loc:
        end = top_end  # top-level keys live before the first table header
    if not loc:
        return None
    return _find_key(lines, loc[0], start, end)


def _find_key(lines: list[str], key: Any, start: int, end: int) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(str(key))}\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            return i + 1
    return None


def _describe(text: str, error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a known setting (check the spelling)"
    line = _line_of(text, loc)
    where = f"line {line}: " if line else ""
    return f"{where}{field or 'definition'}: {message}" if field else f"{where}{message}"


def parse_definition(text: str, source: str = "definition") -> ElectionDefinition:
    """Parse and validate a TOML election definition, reporting every problem."""
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
    candidates = data.get("candidates")
    if isinstance(candidates, list) and len(candidates) > MAX_CANDIDATES:
        problems.append(
            f"candidates: {len(candidates):,} listed; a ballot can have at most {MAX_CANDIDATES}"
        )
    return problems


def definition_from_dict(data: dict[str, Any], text: str = "") -> ElectionDefinition:
    """Validate an already-parsed definition (``text`` is used only to find line numbers)."""
    early = _before_validation(data)
    if early:
        raise DefinitionError(_capped(early))
    try:
        return ElectionDefinition.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for error in exc.errors():
            if error["type"] == "value_error" and not error["loc"]:
                problems.extend(
                    _describe(text, {**error, "loc": (part.split(":")[0],), "msg": part})
                    for part in error["msg"].removeprefix("Value error, ").split("; ")
                )
            else:
                problems.append(_describe(text, error))
            if len(problems) > MAX_PROBLEMS:
                break
        raise DefinitionError(_capped(problems, len(exc.errors()))) from None


def _capped(problems: list[str], total: int | None = None) -> list[str]:
    """At most :data:`MAX_PROBLEMS` problems, and how many more there are."""
    total = max(total or 0, len(problems))
    if total <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {total - MAX_PROBLEMS:,} more problem(s)"]
