"""The time bank: an append-only ledger of minutes with a hash chain over every entry."""
