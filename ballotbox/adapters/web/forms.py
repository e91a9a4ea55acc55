"""Reading the ballot form into candidate numbers, with errors in the voter's words."""

from __future__ import annotations

from collections.abc import Mapping

from ballotbox.choices import ranking_from_marks
from ballotbox.core.errors import ChoiceError
from ballotbox.core.i18n import N_
from ballotbox.definition import ElectionDefinition


def marks_from_form(form: Mapping[str, str], definition: ElectionDefinition) -> dict[int, str]:
    """The raw text typed next to each candidate (kept to re-show the form)."""
    return {
        c.number: str(form.get(f"rank_{c.number}", "")).strip()
        for c in definition.contests[0].candidates
    }


def selected_from_form(values: list[str]) -> list[int]:
    """The candidate numbers ticked (checkboxes) or picked (radio buttons)."""
    picked = []
    for value in values:
        try:
            picked.append(int(value))
        except ValueError:
            raise ChoiceError(N_("“{value}” is not a candidate number."), value=value) from None
    return picked


def choices_from_form(
    definition: ElectionDefinition, marks: dict[int, str], selected: list[str]
) -> list[int]:
    """The voter's choices in order, from rank boxes (ranked) or ticks (the rest)."""
    if not definition.contests[0].ranked:
        return selected_from_form(selected)
    names = definition.contests[0].candidate_names()
    ranks: dict[int, int | None] = {}
    for number, text in marks.items():
        if not text:
            ranks[number] = None
            continue
        if not text.isdigit():
            raise ChoiceError(
                N_(
                    "“{text}” next to {name} is not a number: use 1 for your first choice, "
                    "2 for your second, and so on."
                ),
                text=text,
                name=names[number],
            )
        ranks[number] = int(text)
    return ranking_from_marks(ranks)


def choices_to_field(choices: list[int]) -> str:
    """Choices as a hidden form field."""
    return " ".join(str(n) for n in choices)


def choices_from_field(text: str) -> list[int]:
    """Choices from the hidden form field of the review page."""
    try:
        return [int(part) for part in text.split()]
    except ValueError:
        raise ChoiceError(N_("The ballot form was damaged; please start again.")) from None
