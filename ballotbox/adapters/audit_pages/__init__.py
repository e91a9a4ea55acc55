"""The public audit pages: live audit, results round by round, check my vote, the bundle."""
