"""Reading the ballot form into candidate numbers, with errors in the voter's words.

A ballot of one contest keeps the field names it always had (``rank_3``,
``choice``, ``choices``).  On a ballot of several contests every field carries
its contest's key (``rank_A_3``, ``choice_B``, ``choices_C``), each contest is
read on its own, and a contest left empty is blank: an abstention in that
contest only.  Every problem is reported, one per contest, with the id of the
field the error summary links to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ballotbox.choices import BallotChoices, ranking_from_marks, validate_choices
from ballotbox.core.errors import ChoiceError
from ballotbox.core.i18n import N_, _
from ballotbox.definition import ContestDefinition, ElectionDefinition

Fields = Mapping[str, Sequence[str]]
"""A posted form: field name → every value sent under it."""


def suffix(definition: ElectionDefinition, contest: ContestDefinition) -> str:
    """What a contest's field names end with: nothing on a one-contest ballot, else ``_KEY``."""
    return "" if definition.single else f"_{contest.key}"


@dataclass
class ContestEntry:
    """One contest as the voter marked it: what was typed (to show again) and what it means."""

    contest: ContestDefinition
    suffix: str
    marks: dict[int, str] = field(default_factory=dict)  # ranked: the text beside each candidate
    selected: list[int] = field(default_factory=list)  # the rest: numbers ticked or picked
    choices: list[int] = field(default_factory=list)  # read and checked
    error: ChoiceError | None = None
    error_field: str = ""  # the id the error summary links to

    @property
    def key(self) -> str:
        """The contest's key (A, B, C …)."""
        return self.contest.key

    def rank_field(self, number: int) -> str:
        """Name (and id) of the rank box beside candidate ``number``."""
        return f"rank{self.suffix}_{number}"

    @property
    def choice_field(self) -> str:
        """Name of the tick boxes or radio buttons."""
        return f"choice{self.suffix}"

    def choice_id(self, number: int) -> str:
        """Id of the tick box or radio button for candidate ``number``."""
        return f"choice{self.suffix}_{number}"

    @property
    def choices_field(self) -> str:
        """Name of the review page's hidden field carrying this contest's choices."""
        return f"choices{self.suffix}"

    @property
    def first_field(self) -> str:
        """Id of the contest's first input (where an error about the whole contest links)."""
        first = self.contest.candidates[0].number
        return self.rank_field(first) if self.contest.ranked else self.choice_id(first)

    def field_of(self, number: object) -> str:
        """Id of candidate ``number``'s input, or the contest's first input when there is none."""
        if not isinstance(number, int) or number not in self.contest.candidate_names():
            return self.first_field
        return self.rank_field(number) if self.contest.ranked else self.choice_id(number)

    @property
    def error_message(self) -> str:
        """The error as the summary and the contest show it (named by contest on several)."""
        if self.error is None:
            return ""
        if not self.suffix:
            return self.error.message
        return _("Contest {key}, {title}: {problem}").format(
            key=self.key, title=self.contest.local_title, problem=self.error.message
        )

    def fail(self, error: ChoiceError, field_id: str) -> None:
        """Record ``error`` against this contest, linked to ``field_id``."""
        self.error = error.in_contest(self.key)
        self.error_field = field_id


@dataclass
class BallotForm:
    """The whole ballot as posted: each contest's entry, and a problem with the whole if any."""

    entries: list[ContestEntry]
    error: ChoiceError | None = None  # about the ballot as a whole (every contest blank)

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(message, id of the field it links to) for the error summary, in ballot order."""
        found = [(e.error_message, e.error_field) for e in self.entries if e.error is not None]
        if self.error is not None:
            found.insert(0, (self.error.message, self.entries[0].first_field))
        return found

    @property
    def first_error(self) -> ChoiceError | None:
        """The first problem (a one-contest ballot shows just this one, as it always has)."""
        if self.error is not None:
            return self.error
        return next((e.error for e in self.entries if e.error is not None), None)


def read_form(definition: ElectionDefinition, fields: Fields) -> BallotForm:
    """Every contest's marks as posted, read and checked; problems are kept, not raised."""
    entries = []
    for contest in definition.contests:
        entry = ContestEntry(contest, suffix(definition, contest))
        if contest.ranked:
            entry.marks = {
                c.number: _first(fields, entry.rank_field(c.number)).strip()
                for c in contest.candidates
            }
        else:
            entry.selected = _selected(fields.get(entry.choice_field, ()))
        _read(entry, fields, blank=not definition.single)
        entries.append(entry)
    form = BallotForm(entries)
    if not definition.single and not any(e.error or e.choices for e in entries):
        form.error = ChoiceError(N_("Your ballot is blank: make a choice in at least one contest."))
    return form


def _first(fields: Fields, name: str) -> str:
    values = fields.get(name, ())
    return str(values[0]) if values else ""


def _selected(values: Sequence[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _read(entry: ContestEntry, fields: Fields, *, blank: bool) -> None:
    contest = entry.contest
    try:
        if contest.ranked:
            picked = _ranking(entry, blank=blank)
        else:
            picked = _ticked(entry, fields)
    except ChoiceError as error:
        if not entry.error:
            entry.fail(error, entry.error_field or entry.first_field)
        return
    try:
        entry.choices = validate_choices(contest, picked, blank=blank)
    except ChoiceError as error:
        entry.fail(error, entry.field_of(error.params.get("number")))


def _ticked(entry: ContestEntry, fields: Fields) -> list[int]:
    picked = []
    for value in fields.get(entry.choice_field, ()):
        if value == "":  # "leave this question blank"
            continue
        if not value.isdigit():
            raise ChoiceError(N_("“{value}” is not a candidate number."), value=value)
        picked.append(int(value))
    return picked


def _ranking(entry: ContestEntry, *, blank: bool) -> list[int]:
    names = entry.contest.candidate_names()
    ranks: dict[int, int | None] = {}
    for number, text in entry.marks.items():
        if not text:
            ranks[number] = None
            continue
        if not text.isdigit():
            entry.error_field = entry.rank_field(number)
            raise ChoiceError(
                N_(
                    "“{text}” next to {name} is not a number: use 1 for your first choice, "
                    "2 for your second, and so on."
                ),
                text=text,
                name=names[number],
            )
        ranks[number] = int(text)
    if blank and all(rank is None for rank in ranks.values()):
        return []
    try:
        return ranking_from_marks(ranks)
    except ChoiceError as error:
        entry.error_field = _rank_error_field(entry, ranks, error)
        raise


def _rank_error_field(entry: ContestEntry, ranks: dict[int, int | None], error: ChoiceError) -> str:
    """The box a rank error is about: the second of two equal ranks, else the first box."""
    rank = error.params.get("rank")
    marked = [number for number, r in ranks.items() if r == rank]
    if len(marked) >= 2:
        return entry.rank_field(marked[1])
    if len(marked) == 1:
        return entry.rank_field(marked[0])
    return entry.first_field


def entries_from_ballot(
    definition: ElectionDefinition, ballot: Mapping[str, Sequence[int]]
) -> list[ContestEntry]:
    """The form marked as ``ballot`` (back from the review page to change it)."""
    entries = []
    for contest in definition.contests:
        entry = ContestEntry(contest, suffix(definition, contest))
        picked = list(ballot.get(contest.key, ()))
        if contest.ranked:
            entry.marks = {number: str(rank) for rank, number in enumerate(picked, start=1)}
        else:
            entry.selected = picked
        entries.append(entry)
    return entries


def choices_to_field(choices: Sequence[int]) -> str:
    """Choices as a hidden form field."""
    return " ".join(str(n) for n in choices)


def choices_from_field(text: str) -> list[int]:
    """Choices from the hidden form field of the review page."""
    try:
        return [int(part) for part in text.split()]
    except ValueError:
        raise ChoiceError(N_("The ballot form was damaged; please start again.")) from None


def ballot_from_fields(definition: ElectionDefinition, fields: Fields) -> BallotChoices:
    """Every contest's choices from the hidden fields of the review page."""
    return {
        contest.key: choices_from_field(_first(fields, f"choices{suffix(definition, contest)}"))
        for contest in definition.contests
    }


def posted_choices(fields: Fields) -> list[int] | dict[str, list[int]]:
    """What the review page posted: ``choices`` (one contest, a list) or ``choices_A`` … (a dict).

    The choices are checked by ``cast()``, against the token's own ballot.
    """
    if "choices" in fields:
        return choices_from_field(_first(fields, "choices"))
    return {
        name.removeprefix("choices_"): choices_from_field(_first(fields, name))
        for name in fields
        if name.startswith("choices_")
    }
