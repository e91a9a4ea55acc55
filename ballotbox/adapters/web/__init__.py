"""The web channel: server-rendered voting pages and the JSON API."""
