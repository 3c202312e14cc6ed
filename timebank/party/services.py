"""The party tree's rules (SPEC 7): organisations and secretaries (members' branches are
in party.memberships).

Each rule is one function taking the actor and `now`; they flush, the edges commit.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import has_role, is_secretary, organises_party_org
from ..core.errors import Conflict, NotAllowed, NotFound, check
from ..dispatch.validation import choice, text, whole_number
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..units.queries import find_root
from .models import FIELDS, KIND_PARENTS, OrgKind, PartyOrg, PartySecretary

CODE_MAX = 40
NAME_MAX = 120
KINDS = [k.value for k in OrgKind]


def _take(errors: list, name: str, result):
    value, err = result
    if err:
        errors.append((name, err))
    return value


def can_manage_tree(actor) -> bool:
    """Admins and organisers of the district build the party tree."""
    root = find_root()
    return root is not None and has_role(actor, Role.ORGANISER, root)


def can_act_on_org(actor, org: PartyOrg) -> bool:
    """A secretary in scope, or an organiser over the organisation."""
    return is_secretary(actor, org) or organises_party_org(actor, org)


def find_org(code: str) -> PartyOrg | None:
    return db.session.scalar(sa.select(PartyOrg).where(PartyOrg.code == code))


def get_org(org_id: int) -> PartyOrg:
    org = db.session.get(PartyOrg, org_id)
    if org is None:
        raise NotFound("party_org_not_found", _l("No such party organisation."))
    return org


def _parent(errors: list, parent_id, kind):
    """The parent organisation, checked against the kind below it."""
    if parent_id is None:
        if kind is not None and None not in KIND_PARENTS[OrgKind(kind)]:
            errors.append(("parent_id", _l("A general branch or a branch needs a parent.")))
        return None
    parent = db.session.get(PartyOrg, parent_id)
    if parent is None:
        errors.append(("parent_id", _l("No such party organisation.")))
    elif kind is not None and OrgKind(parent.kind) not in KIND_PARENTS[OrgKind(kind)]:
        errors.append(("parent_id", _l("This kind of organisation cannot sit below that one.")))
    return parent


def create_org(actor, *, now: datetime, refused=(), **fields) -> PartyOrg:
    """An admin or district organiser adds a party organisation. 409 `code_taken`."""
    if not can_manage_tree(actor):
        raise NotAllowed()
    errors: list = []
    code = _take(errors, "code", text(fields.get("code"), CODE_MAX))
    name = _take(errors, "name", text(fields.get("name"), NAME_MAX))
    kind = _take(errors, "kind", choice(fields.get("kind"), KINDS))
    if fields.get("kind") is None:
        errors.append(("kind", _l("This field is required.")))
    field = _take(errors, "field", choice(fields.get("field"), FIELDS))
    if fields.get("field") is None:
        errors.append(("field", _l("This field is required.")))
    parent_id = fields.get("parent_id")
    if parent_id is not None:
        parent_id = _take(errors, "parent_id", whole_number(parent_id, 1, 2**31 - 1))
    parent = _parent(errors, parent_id, kind) if "parent_id" not in dict(errors) else None
    check(errors, refused)
    if find_org(code) is not None:
        raise Conflict("code_taken", _l("This code is taken."), field="code")
    org = PartyOrg(
        code=code,
        name=name,
        kind=kind,
        field=field,
        parent_id=parent.id if parent else None,
        unit_id=parent.unit_id if parent else None,
        path="",
        created_at=now,
    )
    db.session.add(org)
    db.session.flush()
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    db.session.flush()
    record(actor, "party_org.create", org, now=now, details={"code": code})
    return org


def grant_secretary(actor, member: Member, org: PartyOrg, *, now: datetime) -> PartySecretary:
    """An admin makes a member secretary of a party organisation (covering its subtree).
    409 `role_exists`."""
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    if member.status != MemberStatus.ACTIVE:
        check([("member_id", _l("No such active member."))])
    exists = db.session.scalar(
        sa.select(PartySecretary.id).where(
            PartySecretary.member_id == member.id, PartySecretary.party_org_id == org.id
        )
    )
    if exists is not None:
        raise Conflict("role_exists", _l("This member already has this role here."))
    role = PartySecretary(
        member_id=member.id, party_org_id=org.id, granted_by_id=actor.id, created_at=now
    )
    db.session.add(role)
    db.session.flush()
    record(actor, "role.grant", member, now=now, details={"role": "secretary", "party_org": org.id})
    return role
