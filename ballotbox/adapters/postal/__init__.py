"""The teller console: keying postal ballots and phone messages, adjudication, reconciliation."""
