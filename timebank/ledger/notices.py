"""What the ledger domain tells members, word for word (data only: see core.notices).

Placeholders: `title` (the shift's title), `reason`.
"""

from flask_babel import lazy_gettext as _l

from ..core.notices import Notice

CORRECTION_APPROVED = Notice(
    "correction_approved",
    _l("Correction approved: %(title)s"),
    _l("Your request about %(title)s was approved."),
    subject="correction",
    endpoint="ledger.my_hours",
)
CORRECTION_NOT_APPROVED = Notice(
    "correction_not_approved",
    _l("Correction not approved: %(title)s"),
    _l("Your request about %(title)s was not approved: %(reason)s"),
    subject="correction",
    endpoint="ledger.my_hours",
)
