"""The words every layer shares: counting methods, voting channels, referendum answers.

Each list is written once, here, as a ``Literal`` type with the tuple of its
values taken from it.  The definition validates against these, the count and
the verifier check them, ``cast()`` refuses any other channel and the CLI lists
them; a new method or channel starts with one line in this module.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Method = Literal["scottish-stv", "meek-stv", "irv", "plurality", "approval", "referendum"]
#: Every counting method, in the order the CLI and the docs list them.
METHODS: Final[tuple[Method, ...]] = get_args(Method)
#: The methods whose ballots rank candidates (the others mark them).
RANKED_METHODS: Final[frozenset[Method]] = frozenset({"scottish-stv", "meek-stv", "irv"})

Channel = Literal["web", "sms", "phone", "postal"]
#: Every way a vote comes in; an election enables some or all of them.
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)

ReferendumAnswer = Literal["Yes", "No", "Abstain"]
#: A referendum's choices, numbered 1, 2, 3 on the card in this order.
REFERENDUM_ANSWERS: Final[tuple[ReferendumAnswer, ...]] = get_args(ReferendumAnswer)
