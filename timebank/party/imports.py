"""CSV imports of the party tree and of members' branches (SPEC 7), all or nothing.

Rows come from `core.csvio.read_csv` (UTF-8 or GBK, spreadsheet line numbers); every bad
row is reported in one ValidationFailed (field "line N") and nothing is written then.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..auth.models import Role
from ..auth.permissions import has_role
from ..core.csvio import row_errors_at
from ..core.errors import NotAllowed, check
from ..dispatch.validation import choice, text
from ..extensions import db
from ..members.models import Member, MemberStatus
from .models import (
    FIELDS,
    KIND_PARENTS,
    LIVE,
    MembershipStatus,
    OrgKind,
    PartyMembership,
    PartyOrg,
)
from .services import CODE_MAX, KINDS, NAME_MAX, can_manage_tree

ORG_COLUMNS = ("code", "name", "kind", "field", "parent_code")
BRANCH_COLUMNS = ("phone", "branch_code")
LABELS = {
    "name": _l("Organisation name"),
    "kind": _l("Kind"),
    "field": _l("Field"),
    "branch_code": _l("Branch code"),
}


@dataclass
class _Org:
    line: int
    code: str | None
    name: str | None
    kind: str | None
    field: str | None
    parent_code: str | None


def _cell(row_errors: list, name: str, result):
    value, err = result
    if err:
        row_errors.append((name, err))
    return value


def _parse_org(errors: list, line: int, row: dict) -> _Org:
    """One line's fields; each bad cell reported as "line N"."""
    row_errors: list = []
    code = _cell(row_errors, "code", text(row.get("code"), CODE_MAX))
    name = _cell(row_errors, "name", text(row.get("name"), NAME_MAX))
    kind = _cell(row_errors, "kind", choice((row.get("kind") or "").strip() or None, KINDS))
    field = _cell(row_errors, "field", choice((row.get("field") or "").strip() or None, FIELDS))
    for name_, value in (("kind", row.get("kind")), ("field", row.get("field"))):
        if not (value or "").strip():
            row_errors.append((name_, _l("This field is required.")))
    parent_code = (row.get("parent_code") or "").strip() or None
    errors += row_errors_at(line, row_errors, LABELS)
    return _Org(line, code, name, kind, field, parent_code)


def _parent_kind(org: _Org, in_file: dict, existing: dict):
    """The parent's kind: (found, kind). Not found: (False, None)."""
    if org.parent_code in in_file:
        return True, in_file[org.parent_code].kind
    if org.parent_code in existing:
        return True, existing[org.parent_code].kind
    return False, None


def _check_org_place(errors: list, org: _Org, in_file: dict, existing: dict) -> None:
    """Unique in the file, a parent that exists and may hold this kind, a known code keeps
    its kind and parent."""
    problems = []
    if org.code and in_file.get(org.code) is not org:
        problems.append(("code", _l("This code appears twice in the file.")))
    if org.parent_code is not None:
        found, parent_kind = _parent_kind(org, in_file, existing)
        if not found or org.parent_code == org.code:
            problems.append(("parent_code", _l("No such party organisation.")))
        elif (
            org.kind and parent_kind and OrgKind(parent_kind) not in KIND_PARENTS[OrgKind(org.kind)]
        ):
            problems.append(
                ("parent_code", _l("This kind of organisation cannot sit below that one."))
            )
    elif org.kind and None not in KIND_PARENTS[OrgKind(org.kind)]:
        problems.append(("parent_code", _l("A general branch or a branch needs a parent.")))
    known = existing.get(org.code)
    if known is not None and org.kind and known.kind != org.kind:
        problems.append(("kind", _l("A known organisation keeps its kind.")))
    if known is not None and (known.parent.code if known.parent else None) != org.parent_code:
        problems.append(("parent_code", _l("A known organisation keeps its parent.")))
    errors += row_errors_at(org.line, problems, LABELS)


def _in_order(orgs: list[_Org], existing: dict) -> list[_Org]:
    """Parents before children; a cycle in the file is reported on every line it holds."""
    done = set(existing)
    ordered, left = [], list(orgs)
    while left:
        ready = [o for o in left if o.parent_code is None or o.parent_code in done]
        if not ready:
            check([(f"line {o.line}", _l("The parents of these lines form a loop.")) for o in left])
        for org in ready:
            done.add(org.code)
            ordered.append(org)
        left = [o for o in left if o not in ready]
    return ordered


def import_orgs(actor, rows, *, now: datetime) -> dict:
    """Import `(line, row)` pairs of the party tree. New codes are created; known codes
    get the new name and field (kind and parent unchanged). Admins and district organisers."""
    if not can_manage_tree(actor):
        raise NotAllowed()
    errors: list = []
    parsed = [_parse_org(errors, line, row) for line, row in rows]
    in_file = {}
    for org in parsed:
        in_file.setdefault(org.code, org) if org.code else None
    codes = [c for c in in_file] + [o.parent_code for o in parsed if o.parent_code]
    existing = {
        o.code: o for o in db.session.scalars(sa.select(PartyOrg).where(PartyOrg.code.in_(codes)))
    }
    for org in parsed:
        _check_org_place(errors, org, in_file, existing)
    check(errors)
    created = updated = 0
    for org in _in_order(parsed, existing):
        known = existing.get(org.code)
        if known is not None:
            known.name, known.field = org.name, org.field
            updated += 1
            continue
        existing[org.code] = _create(org, existing.get(org.parent_code), now=now)
        created += 1
    db.session.flush()
    record(
        actor, "party_org.import", None, now=now, details={"created": created, "updated": updated}
    )
    return {"created": created, "updated": updated}


def _create(org: _Org, parent: PartyOrg | None, *, now: datetime) -> PartyOrg:
    new = PartyOrg(
        code=org.code,
        name=org.name,
        kind=org.kind,
        field=org.field,
        parent_id=parent.id if parent else None,
        unit_id=parent.unit_id if parent else None,
        path="",
        created_at=now,
    )
    db.session.add(new)
    db.session.flush()
    new.path = (parent.path if parent else "/") + f"{new.id}/"
    return new


def _check_branch_row(line: int, row: dict, members: dict, branches: dict, seen: dict):
    """A line's problems: a known party member, named once, and a branch code."""
    problems = []
    phone = (row.get("phone") or "").strip()
    member = members.get(phone)
    if member is None or member.status not in (MemberStatus.ACTIVE, MemberStatus.PENDING):
        problems.append(("phone", _l("No such active member.")))
    elif not member.is_party_member:
        problems.append(("phone", _l("Only party members belong to a party branch.")))
    elif phone in seen:
        problems.append(("phone", _l("This member appears twice in the file.")))
    seen.setdefault(phone, line)
    code = (row.get("branch_code") or "").strip()
    org = branches.get(code)
    if org is None:
        problems.append(("branch_code", _l("No such party organisation.")))
    elif org.kind != OrgKind.BRANCH:
        problems.append(("branch_code", _l("Members belong to a branch.")))
    return row_errors_at(line, problems, LABELS)


def _put(member, org, confirmed, pending, *, actor, now: datetime) -> None:
    """The import is the branch's word: the earlier branch is kept as `replaced`, a request
    for this branch is confirmed; a request for another branch waits for its secretary."""
    if confirmed is not None:
        confirmed.status = MembershipStatus.REPLACED
        confirmed.ended_at, confirmed.ended_by_id = now, actor.id
        db.session.flush()
    if pending is not None and pending.party_org_id == org.id:
        ship = pending
    else:
        ship = PartyMembership(member_id=member.id, party_org_id=org.id, created_at=now)
        db.session.add(ship)
    ship.status = MembershipStatus.CONFIRMED
    ship.confirmed_at, ship.confirmed_by_id = now, actor.id
    db.session.flush()


def import_branches(actor, rows, *, now: datetime) -> dict:
    """Put members (by phone) in their branch (by code), confirmed at once; an earlier
    branch is kept as `replaced`. Admins only; all or nothing."""
    if not has_role(actor, Role.ADMIN):
        raise NotAllowed()
    phones = {(r.get("phone") or "").strip() for _, r in rows}
    codes = {(r.get("branch_code") or "").strip() for _, r in rows}
    members = {
        m.phone: m for m in db.session.scalars(sa.select(Member).where(Member.phone.in_(phones)))
    }
    branches = {
        o.code: o for o in db.session.scalars(sa.select(PartyOrg).where(PartyOrg.code.in_(codes)))
    }
    errors: list = []
    seen: dict = {}
    for line, row in rows:
        errors += _check_branch_row(line, row, members, branches, seen)
    check(errors)
    member_ids = [m.id for m in members.values()]
    live = sa.and_(PartyMembership.member_id.in_(member_ids), PartyMembership.status.in_(LIVE))
    ships = {
        (s.member_id, s.status): s
        for s in db.session.scalars(sa.select(PartyMembership).where(live))
    }
    for _, row in rows:
        member = members[row["phone"].strip()]
        org = branches[row["branch_code"].strip()]
        confirmed = ships.get((member.id, MembershipStatus.CONFIRMED))
        pending = ships.get((member.id, MembershipStatus.PENDING))
        if confirmed is not None and confirmed.party_org_id == org.id:
            continue
        _put(member, org, confirmed, pending, actor=actor, now=now)
    db.session.flush()
    record(actor, "party_org.import_members", None, now=now, details={"rows": len(rows)})
    return {"imported": len(rows)}
