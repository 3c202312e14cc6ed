"""Imports every model so that SQLAlchemy and Alembic see the whole schema."""

from .audit.models import AuditEntry  # noqa: F401
from .auth.models import ApiToken, MemberSession, ResetCode, RoleAssignment  # noqa: F401
from .certificates.models import Certificate, SerialCounter  # noqa: F401
from .checkin.models import Attendance, Scan  # noqa: F401
from .core.lease import Lease  # noqa: F401
from .dispatch.counter_models import EventCounter  # noqa: F401
from .dispatch.models import (  # noqa: F401
    Department,
    DepartmentHandler,
    Event,
    EventCategory,
    EventNumberDay,
    EventPhoto,
    EventStep,
    GridWorker,
)
from .exchange.models import MinuteTransfer, Offer, Redemption  # noqa: F401
from .ledger.models import Correction, LedgerEntry, LedgerHead  # noqa: F401
from .members.models import Member, Transfer  # noqa: F401
from .mobilisation.models import Callout, Invitation  # noqa: F401
from .notifications.models import Notification, OutboxMessage  # noqa: F401
from .party.models import (  # noqa: F401
    Check,
    ChecklistItem,
    LecturePoint,
    PartyMembership,
    PartyOrg,
    PartySecretary,
    Sheet,
    SheetItem,
    SheetReview,
)
from .rankings.models import RankingTotal  # noqa: F401
from .shifts.models import Checkpoint, Shift, Signup  # noqa: F401
from .sms.models import InboundSms, SeenSignature, SmsOptOut, SmsQuestion  # noqa: F401
from .units.models import Unit  # noqa: F401
