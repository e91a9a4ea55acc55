"""Reading a simple CSV of rankings."""

from __future__ import annotations

import pytest

from ballotbox.core.counting import count, read_csv_rankings
from ballotbox.core.errors import FileFormatError


def test_ranks_blanks_equal_ranks_and_weights() -> None:
    data = read_csv_rankings("Ann,Bob,Cat,weight\n1,2,,3\n2,1,1,1\n,,1,\n", seats=1)
    assert data.candidates == ["Ann", "Bob", "Cat"]
    assert list(data.ballots) == [(((0,), (1,)), 3), (((1, 2), (0,)), 1), (((2,),), 1)]
    assert count("irv", data).elected_names() == ["Ann"]


def test_college_column_is_read() -> None:
    data = read_csv_rankings("Ann,Bob,college\n1,2,staff\n2,1,members\n")
    assert data.colleges == ["staff", "members"]


def test_bad_cell_names_the_line() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_csv_rankings("Ann,Bob\n1,2\n1,first\n", source="r.csv")
    assert caught.value.line == 3
    assert "Bob" in caught.value.problem
