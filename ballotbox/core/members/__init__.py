"""Member registers: reading CSV files and finding duplicates (pure: no database)."""
