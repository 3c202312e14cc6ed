"""Checkpoints, shifts (single and series), sign-ups with a waitlist, rosters, calendars."""
