"""ballotbox: verifiable, anonymous internal ballots.

The package is layered; ``pyproject.toml`` holds the one contract that says so
and ``docs/architecture.md`` draws it:

* ``ballotbox.core`` — pure: token format, counting, card drawing, audit
  primitives and the verifier (standard library, PyNaCl, drawing libraries);
* ``ballotbox.definition``, ``ballotbox.config``, ``ballotbox.choices`` — what a
  ballot is and how the installation is set up;
* ``ballotbox.storage`` — models, migrations, queries, keys, the hash-chain ledger;
* ``ballotbox.services`` — every rule: ``cast()``, the lifecycle, issuance, tally, publishing;
* ``ballotbox.adapters`` — web pages and API, SMS, phone, postal console, audit pages,
  each independent of the others, over a small shared HTTP kit;
* ``ballotbox.app``, ``ballotbox.cli``, ``ballotbox.demo`` — composition.

Importing ``ballotbox`` itself imports nothing, so the pure parts stay usable
without the web stack.
"""

__version__ = "0.1.0"
