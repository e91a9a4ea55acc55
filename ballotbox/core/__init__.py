"""The pure core: standard library, PyNaCl and drawing libraries only.

The import contract in pyproject.toml keeps it so.
"""
