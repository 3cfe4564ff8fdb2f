"""Scorecards: counts, rates and lateness per group, computed in SQL."""
