"""The HTTP kit that every adapter shares.

Request deps, CSRF and security headers, templating, error pages, Twilio signatures.
"""
