"""Voting by telephone through Twilio Voice: keypad entry, spoken read-back, confirm."""
