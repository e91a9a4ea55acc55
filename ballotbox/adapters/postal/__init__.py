"""The teller console: keying letters and phone messages, adjudication, reconciliation."""
