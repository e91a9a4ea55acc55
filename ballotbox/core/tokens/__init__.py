"""The ballot token: format, check digits, parsing and keyed hashes (pure)."""
