"""Voting by text message through Twilio Messaging: ``TOKEN 3 1 2`` in, a read-back out."""
