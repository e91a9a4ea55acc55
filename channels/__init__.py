"""The ways a vote comes in: web, SMS, phone and post.  All of them call ``cast()``."""
