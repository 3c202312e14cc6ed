"""The rankings domain's reactions to the ledger: totals move with every new entry.

Wired by the app factory (`timebank.create_app`, its connection list); the receiver runs
inside the ledger's transaction, after the entries' INSERT, and only writes (no commit).
"""

from ..ledger import signals as ledger_signals
from . import totals


def on_entries_appended(entries, **_):
    """Move the ranking totals by the entries just appended to the chain."""
    totals.apply_entries(entries)


CONNECTIONS = [
    (ledger_signals.entries_appended, on_entries_appended),
]
