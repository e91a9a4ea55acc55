"""ballotbox: verifiable, anonymous internal ballots.

The package is layered (see DESIGN.md): ``tokens`` and ``ballotbox.counting``
are pure; storage and :func:`ballotbox.casting.cast` sit on them; ``channels``
and ``audit`` sit on those; the app and CLI compose everything.  Importing
``ballotbox`` itself imports nothing heavy, so the pure parts stay usable
without the web stack.
"""

__version__ = "0.1.0"
