"""The navigation each role sees: only what they can do."""

from dataclasses import dataclass, field

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...auth.models import Role
from ...auth.permissions import has_role, is_secretary
from ...ledger.queries import count_attendances_to_review, count_open_corrections
from ...members.queries import count_pending
from ...mobilisation.queries import list_invitations
from ...sms.queries import count_unclear
from . import bp


@dataclass
class NavItem:
    label: object
    endpoint: str
    icon: str
    badge: int = 0

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def active(self) -> bool:
        return request.endpoint == self.endpoint


@dataclass
class NavGroup:
    """A dropdown of items (the management pages of a role)."""

    label: object
    icon: str
    items: list = field(default_factory=list)

    @property
    def badges(self) -> list[NavItem]:
        """The items with something waiting, each shown with its own count and icon (72
        approvals and 310 reviews are two different jobs, never one "382")."""
        return [i for i in self.items if i.badge]

    @property
    def active(self) -> bool:
        return any(i.active for i in self.items)


def nav_items(actor) -> list:
    """Top-level items for everyone signed in, then one dropdown per role held."""
    if not actor.is_authenticated:
        return []
    if actor.is_pending:  # SPEC 3.8: their own profile and nothing else
        return [NavItem(_l("My profile"), "members.me", "person-vcard")]
    items: list = [
        NavItem(_l("Shifts"), "shifts.board", "calendar3"),
        NavItem(_l("My QR code"), "checkin.my_qr", "qr-code"),
        NavItem(_l("Rankings"), "rankings.index", "trophy"),
        NavGroup(
            _l("Mine"),
            "person",
            [
                NavItem(_l("My shifts"), "shifts.mine", "calendar-check"),
                NavItem(_l("My hours"), "ledger.my_hours", "hourglass-split"),
                NavItem(_l("My events"), "dispatch.worklist", "list-check"),
                NavItem(_l("My certificates"), "certificates.mine", "patch-check"),
                NavItem(_l("Exchange"), "exchange.offers", "basket"),
                NavItem(_l("My redemptions"), "exchange.mine", "bag-check"),
                NavItem(_l("Give minutes"), "exchange.transfer", "gift"),
                NavItem(_l("My tasks"), "dispatch.my_tasks", "person-raised-hand"),
                NavItem(_l("My profile"), "members.me", "person-vcard"),
            ],
        ),
    ]
    waiting = len(list_invitations(actor.id, status="pending", limit=9))
    if waiting:
        items.insert(0, NavItem(_l("Call-outs"), "mobilisation.mine", "lightning-charge", waiting))
    if is_secretary(actor):
        items.append(NavItem(_l("Party checks"), "party.checks_list", "clipboard-data"))
    if is_secretary(actor) or has_role(actor, Role.ORGANISER):
        items.append(NavItem(_l("Organisations' sheets"), "party.org_sheets", "diagram-3"))
        items.append(NavItem(_l("Learning coverage"), "party.coverage_page", "journal-bookmark"))
    if has_role(actor, Role.STAFF):
        items.append(NavItem(_l("Scanner"), "checkin.scanner", "upc-scan"))
    if has_role(actor, Role.COORDINATOR):
        items.append(
            NavGroup(
                _l("Community"),
                "people",
                [
                    NavItem(
                        _l("Approvals"),
                        "members.pending",
                        "person-check",
                        badge=count_pending(actor),
                    ),
                    NavItem(_l("Members"), "members.list", "people"),
                    NavItem(_l("Transfers"), "members.transfers", "arrow-left-right"),
                    NavItem(_l("Checkpoints"), "shifts.checkpoints", "geo-alt"),
                    NavItem(_l("Publish shifts"), "shifts.new", "plus-square"),
                    NavItem(_l("Call-outs"), "mobilisation.index", "lightning-charge"),
                    NavItem(_l("Dispatch queue"), "dispatch.queue", "inboxes"),
                    NavItem(
                        _l("Unclear texts"),
                        "sms.unclear",
                        "chat-dots",
                        badge=count_unclear(actor),
                    ),
                    NavItem(
                        _l("Corrections"),
                        "ledger.corrections_queue",
                        "pencil-square",
                        badge=count_open_corrections(actor),
                    ),
                    NavItem(
                        _l("Attendance review"),
                        "ledger.review_queue",
                        "clipboard-check",
                        badge=count_attendances_to_review(actor),
                    ),
                    NavItem(_l("Certificate register"), "certificates.register", "patch-check"),
                    NavItem(_l("Redemptions to hand over"), "exchange.queue", "basket"),
                ],
            )
        )
    if has_role(actor, Role.ORGANISER):
        items.append(
            NavGroup(
                _l("District"),
                "diagram-3",
                [
                    NavItem(_l("Dashboard"), "rankings.dashboard", "speedometer2"),
                    NavItem(_l("Command centre"), "command.index", "broadcast"),
                    NavItem(_l("Organisation"), "units.index", "diagram-3"),
                    NavItem(_l("Roles"), "admin.roles", "shield-lock"),
                    NavItem(_l("Departments"), "dispatch.departments", "building"),
                    NavItem(_l("Audit log"), "admin.audit", "journal-text"),
                    NavItem(_l("Ledger check"), "ledger.verify", "shield-check"),
                ],
            )
        )
    return items


@bp.app_context_processor
def _inject_nav():
    return {"nav_items": nav_items(current_user)}
