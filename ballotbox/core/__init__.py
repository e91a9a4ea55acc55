"""The pure core: standard library, PyNaCl and drawing libraries only (the import contract in pyproject.toml)."""
