"""Members: registration, reporting to a community, approval, transfer, suspension."""
