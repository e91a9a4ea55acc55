"""The counting engine: pure (standard library only), exact, and explained round by round.

``count(method, data, options)`` takes plain data (:class:`CountInput`) and
returns plain data (:class:`Result`), so the web app, the CLI and the
published-list verifier all share it.  See docs/counting.md for the rules.
"""

from ballotbox.core.counting.blt import blt_pieces, read_blt, write_blt
from ballotbox.core.counting.csvin import read_csv_rankings
from ballotbox.core.counting.engine import count
from ballotbox.core.counting.model import (
    CountInput,
    CountOptions,
    Result,
    Round,
    TieBreak,
)
from ballotbox.core.counting.report import result_csv, result_sheet
from ballotbox.core.vocabulary import METHODS, REFERENDUM_ANSWERS

__all__ = [
    "METHODS",
    "REFERENDUM_ANSWERS",
    "CountInput",
    "CountOptions",
    "Result",
    "Round",
    "TieBreak",
    "blt_pieces",
    "count",
    "read_blt",
    "write_blt",
    "read_csv_rankings",
    "result_csv",
    "result_sheet",
]
