"""Adapters: how votes and people come in (web, SMS, phone, post, audit pages).

Each calls the services; none imports another.
"""
