"""The HTTP kit that every adapter shares: request deps, CSRF and security headers, templating, error pages, Twilio signatures."""
