"""The exchange of stored hours (SPEC 8): offers, redemptions and transfers to family."""
