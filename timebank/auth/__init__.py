"""Sign-in, API tokens, roles on units and the one authorisation helper."""
