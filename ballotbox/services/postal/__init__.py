"""Postal (and voicemail) ballots: tellers key letters twice, agreeing entries go to ``cast()``.

Modules: ``roles`` (who may do what), ``matching`` (reading and comparing
entries), ``sealing`` (entries encrypted at rest), ``queries`` (every postal
query), ``accounts`` (tellers, passwords, sessions, lockout), ``batches``,
``keying`` (double entry and adjudication), ``reconcile``, ``voicemail``,
``bulk`` (CSV import), ``pages`` (the teller console).  docs/postal.md
explains what is kept, for how long and why.

Importing this package changes nothing: the letters in hand at the close
(:func:`reconcile.letters_in_hand`) and the voicemail queue
(:func:`voicemail.file_message`) reach the services through the context that
``ballotbox.wiring`` builds.
"""
