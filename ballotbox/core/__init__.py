"""The pure core: standard library, PyNaCl and drawing libraries only.

The import contracts in pyproject.toml keep it so.
"""
