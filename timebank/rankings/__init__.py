"""Volunteer-hour rankings: per-period totals kept up to date with every ledger entry."""
