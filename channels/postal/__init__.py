"""Postal (and voicemail) ballots: tellers key letters twice, agreeing entries go to ``cast()``.

Modules: ``roles`` (who may do what), ``matching`` (reading and comparing
entries), ``sealing`` (entries encrypted at rest), ``queries`` (every postal
query), ``accounts`` (tellers, passwords, sessions, lockout), ``batches``,
``keying`` (double entry and adjudication), ``reconcile``, ``voicemail``,
``bulk`` (CSV import), ``pages`` (the teller console).  docs/postal.md
explains what is kept, for how long and why.
"""
