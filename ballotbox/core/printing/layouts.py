"""Sheet geometry for cards and address labels: where each item sits on an A4 page.

Measurements are in millimetres as the stationery makers give them, converted
to PDF points (1/72 inch) here.  Avery sheets follow the published A4 templates:
L7163 is 2 × 7 labels of 99.1 × 38.1 mm, L7160 is 3 × 7 labels of 63.5 × 38.1 mm,
both with a 15.1 mm top margin and a 2.5 mm gap between columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from ballotbox.core.errors import InputError
from ballotbox.core.i18n import N_
from ballotbox.core.printing.pdfstream import MM

A4 = (210 * MM, 297 * MM)


class UnknownLayoutError(InputError):
    """A layout name that is not one of the known sheets."""

    code = "unknown_layout"
    template = N_("There is no layout called “{name}”; choose one of: {known}.")


@dataclass(frozen=True, slots=True)
class Sheet:
    """A grid of equal items on a page; positions are PDF points from the bottom-left."""

    name: str
    description: str
    item_width: float
    item_height: float
    columns: int
    rows: int
    left: float
    top: float
    gap_x: float = 0.0
    gap_y: float = 0.0
    crop_marks: bool = False
    page: tuple[float, float] = A4

    @property
    def per_page(self) -> int:
        """How many items fit on one page."""
        return self.columns * self.rows

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner of the item in ``slot`` (0 = top-left, filled row by row)."""
        row, column = divmod(slot, self.columns)
        x = self.left + column * (self.item_width + self.gap_x)
        top = self.page[1] - self.top - row * (self.item_height + self.gap_y)
        return x, top - self.item_height

    def cut_lines(self) -> tuple[list[float], list[float]]:
        """The x and y positions of every trim line (for crop marks on butted cards)."""
        xs: set[float] = set()
        ys: set[float] = set()
        for slot in range(self.per_page):
            x, y = self.origin(slot)
            xs.update((round(x, 3), round(x + self.item_width, 3)))
            ys.update((round(y, 3), round(y + self.item_height, 3)))
        return sorted(xs), sorted(ys)


def _mm_sheet(name: str, description: str, **values: float | int | bool) -> Sheet:
    scaled = {
        key: (
            value * MM
            if key in {"item_width", "item_height", "left", "top", "gap_x", "gap_y"}
            else value
        )
        for key, value in values.items()
    }
    return Sheet(name, description, **scaled)  # type: ignore[arg-type]


CARD_SHEETS: dict[str, Sheet] = {
    "business": _mm_sheet(
        "business",
        "85 × 55 mm cards, 10 per A4 sheet (2 × 5, butted), with crop marks for a guillotine",
        item_width=85,
        item_height=55,
        columns=2,
        rows=5,
        left=20,
        top=11,
        crop_marks=True,
    ),
    "a4": _mm_sheet(
        "a4",
        "one card per A4 page in large print (token 32 pt, text 16 to 20 pt)",
        item_width=210,
        item_height=297,
        columns=1,
        rows=1,
        left=0,
        top=0,
    ),
    "postcard": _mm_sheet(
        "postcard",
        "95 × 135 mm cards, 4 per A4 sheet (2 × 2, butted), with crop marks: room for a "
        "bilingual card",
        item_width=95,
        item_height=135,
        columns=2,
        rows=2,
        left=10,
        top=13.5,
        crop_marks=True,
    ),
    "avery": _mm_sheet(
        "avery",
        "Avery L7163 labels (99.1 × 38.1 mm, 14 per A4 sheet): token stickers for a letter",
        item_width=99.1,
        item_height=38.1,
        columns=2,
        rows=7,
        left=4.65,
        top=15.1,
        gap_x=2.5,
    ),
}

LABEL_SHEETS: dict[str, Sheet] = {
    "l7163": _mm_sheet(
        "l7163",
        "Avery L7163 address labels, 99.1 × 38.1 mm, 14 per A4 sheet",
        item_width=99.1,
        item_height=38.1,
        columns=2,
        rows=7,
        left=4.65,
        top=15.1,
        gap_x=2.5,
    ),
    "l7160": _mm_sheet(
        "l7160",
        "Avery L7160 address labels, 63.5 × 38.1 mm, 21 per A4 sheet",
        item_width=63.5,
        item_height=38.1,
        columns=3,
        rows=7,
        left=7.25,
        top=15.1,
        gap_x=2.5,
    ),
}


def sheet(name: str, sheets: dict[str, Sheet]) -> Sheet:
    """Look up a layout by name or raise ``UnknownLayoutError`` naming the choices."""
    try:
        return sheets[name]
    except KeyError:
        raise UnknownLayoutError(name=name, known=", ".join(sorted(sheets))) from None
