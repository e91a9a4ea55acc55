"""Drawing cards, labels and ballot papers as PDF (pure: no database)."""
