"""The navigation each role sees: only what they can do."""

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...auth.models import Role
from ...auth.permissions import has_role
from ...members.queries import count_pending
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


def nav_items(actor) -> list[NavItem]:
    if not actor.is_authenticated:
        return []
    items = [
        NavItem(_l("Home"), "main.index", "house"),
        NavItem(_l("Shifts"), "shifts.board", "calendar3"),
        NavItem(_l("My shifts"), "shifts.mine", "calendar-check"),
        NavItem(_l("My profile"), "members.me", "person"),
    ]
    if has_role(actor, Role.COORDINATOR):
        items += [
            NavItem(_l("Checkpoints"), "shifts.checkpoints", "geo-alt"),
            NavItem(_l("Members"), "members.list", "people"),
            NavItem(_l("Approvals"), "members.pending", "person-check", badge=count_pending(actor)),
            NavItem(_l("Transfers"), "members.transfers", "arrow-left-right"),
        ]
    if has_role(actor, Role.ORGANISER):
        items += [
            NavItem(_l("Organisation"), "units.index", "diagram-3"),
            NavItem(_l("Roles"), "admin.roles", "shield-lock"),
            NavItem(_l("Audit log"), "admin.audit", "journal-text"),
        ]
    return items


@bp.app_context_processor
def _inject_nav():
    return {"nav_items": nav_items(current_user)}
