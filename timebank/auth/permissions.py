"""The one authorisation helper: "may this actor do this to that", for every kind of scope.

Every page, API handler and service asks here. Roles are read from the database with the
actor on each request (never cached across requests), so a revoked role stops at once.

A right is held at a place in a tree and covers that place and everything below it. The
trees are the kinds of scope, each a `Scope` registered for the type of its targets:

- units (`Unit`): role assignments — staff ⊂ coordinator ⊂ organiser ⊂ admin, and the
  grid worker, who is outside that chain (`Role.covers`);
- departments (`Department`): their handlers (a flat tree: one place per department);
- party organisations (`PartyOrg`): the secretary of an organisation covers it and the
  ones below it (`PARTY`, registered with the party helpers at the end).
To add a kind, write its `positions` (the paths where an actor holds a role there) and
`path_of` (a target's path) and register it: `may()`, `ensure()`, `scope_paths()` and
`in_scope()` then answer for it too; the unit-only helpers (`has_role`, `ensure_role`)
keep their signatures.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.errors import NotAllowed
from ..dispatch.models import Department, DepartmentHandler
from ..extensions import db
from ..party.models import PartyOrg, PartySecretary
from ..units.models import Unit
from .models import Role


def assignments(actor) -> list:
    """The actor's role assignments (empty for anonymous actors)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return list(actor.roles)


@dataclass(frozen=True)
class Scope:
    """One kind of scope: where an actor holds a right, and where a target sits."""

    name: str
    #: (actor, needed role or None) → the tree paths where the actor holds it or more.
    positions: Callable[[object, Role | None], list[str]]
    #: target → its path in the same tree ("/1/4/9/": every ancestor's path is a prefix).
    path_of: Callable[[object], str]


_SCOPES: dict[type, Scope] = {}


def register_scope(target_type: type, scope: Scope) -> None:
    """Make `may()` answer for targets of `target_type` (and its subclasses)."""
    _SCOPES[target_type] = scope


def scope_of(target) -> Scope:
    """The scope kind of `target`; TypeError for a type nobody registered."""
    for klass in type(target).__mro__:
        if klass in _SCOPES:
            return _SCOPES[klass]
    raise TypeError(f"no scope is registered for {type(target).__name__}")


def may(actor, needed: Role | None, target) -> bool:
    """Whether `actor` holds `needed` (or a role covering it) at `target`'s place or above,
    in `target`'s kind of scope: the one question every check here comes down to."""
    scope = scope_of(target)
    path = scope.path_of(target)
    return any(path.startswith(p) for p in scope.positions(actor, needed))


def ensure(actor, needed: Role | None, target) -> None:
    """Raise NotAllowed unless may()."""
    if not may(actor, needed, target):
        raise NotAllowed()


def _unit_positions(actor, needed: Role | None) -> list[str]:
    return [
        ra.unit.path for ra in assignments(actor) if needed is None or ra.role_enum.covers(needed)
    ]


def _department_path(department_id: int) -> str:
    return f"/{department_id}/"


def _department_positions(actor, needed: Role | None) -> list[str]:
    return [_department_path(d) for d in handler_department_ids(actor)]


UNITS = Scope("unit", _unit_positions, lambda unit: unit.path)
DEPARTMENTS = Scope("department", _department_positions, lambda d: _department_path(d.id))
register_scope(Unit, UNITS)
register_scope(Department, DEPARTMENTS)


def has_role(actor, needed: Role, unit: Unit | None = None) -> bool:
    """Whether `actor` holds `needed` (or a higher role) on `unit` or one of its ancestors.

    With `unit=None`, whether they hold it anywhere.
    """
    if unit is None:
        return bool(_unit_positions(actor, needed))
    return may(actor, needed, unit)


def ensure_role(actor, needed: Role, unit: Unit | None = None) -> None:
    """Raise NotAllowed unless has_role()."""
    if not has_role(actor, needed, unit):
        raise NotAllowed()


def highest_role(actor) -> Role | None:
    """The actor's highest-ranked role anywhere, or None."""
    roles = [ra.role_enum for ra in assignments(actor)]
    return max(roles, key=lambda r: r.rank) if roles else None


def scope_paths(actor, needed: Role | None, scope: Scope = UNITS) -> list[str]:
    """Paths where the actor holds `needed` or more in `scope`, minimal (no nesting)."""
    kept: list[str] = []
    for p in sorted(set(scope.positions(actor, needed)), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def in_scope(path_column, actor, needed: Role | None, scope: Scope = UNITS):
    """A SQL condition: `path_column` (paths of `scope`'s tree) lies in the actor's scope
    for `needed`."""
    paths = scope_paths(actor, needed, scope)
    if not paths:
        return sa.false()
    return sa.or_(*[path_column.startswith(p, autoescape=True) for p in paths])


def rank_allows(actor, member) -> bool:
    """SPEC 3.8: whether the actor's rights reach every role `member` holds.

    A role ranked below the actor's highest role is reached; a role of the same rank is
    reached only where the actor holds that rank on the role's unit or above (a community
    coordinator does not reach the town's coordinator); a role ranked above every role of
    the actor never is. Members without roles are reached by anyone; so is oneself.
    """
    if _is_self(actor, member):
        return True
    top = highest_role(actor)
    for ra in member.roles:
        role = ra.role_enum
        if top is None or role.rank > top.rank:
            return False
        if role.rank == top.rank and not has_role(actor, role, ra.unit):
            return False
    return True


def ensure_rank_allows(actor, member) -> None:
    """Raise NotAllowed unless rank_allows()."""
    if not rank_allows(actor, member):
        raise NotAllowed()


def handler_department_ids(actor) -> list[int]:
    """Ids of the departments whose events the actor handles (SPEC 6: department handlers)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            sa.select(DepartmentHandler.department_id).where(
                DepartmentHandler.member_id == actor.id
            )
        )
    )


def is_handler(actor, department_id: int | None) -> bool:
    """Whether the actor is a handler of the department (its scope, by id)."""
    return department_id is not None and _department_path(department_id) in (
        _department_positions(actor, None)
    )


def can_manage_member(actor, member) -> bool:
    """Coordinators (and above) of the member's community whose rank reaches the member.

    The one test for suspending, reinstating, approving, rejecting, editing and resetting
    the password of someone else (SPEC 3.8).
    """
    return has_role(actor, Role.COORDINATOR, member.community) and rank_allows(actor, member)


def ensure_can_manage_member(actor, member) -> None:
    """Raise NotAllowed unless can_manage_member()."""
    if not can_manage_member(actor, member):
        raise NotAllowed()


def can_view_member(actor, member) -> bool:
    """The member themself, or staff (and above) of the member's community."""
    return _is_self(actor, member) or has_role(actor, Role.STAFF, member.community)


def can_see_phone(actor, member) -> bool:
    """SPEC 3.6: the full number only for the member and coordinators in scope."""
    return _is_self(actor, member) or has_role(actor, Role.COORDINATOR, member.community)


def ensure_can_view_member(actor, member) -> None:
    if not can_view_member(actor, member):
        raise NotAllowed()


def can_edit_member(actor, member) -> bool:
    """The member themself, or a coordinator in scope whose rank reaches them."""
    return _is_self(actor, member) or can_manage_member(actor, member)


def ensure_can_edit_member(actor, member) -> None:
    if not can_edit_member(actor, member):
        raise NotAllowed()


def ensure_not_pending(actor) -> None:
    """SPEC 3.8: a member waiting for approval does nothing but see and edit their profile.

    The API's auth decorator and the pages' gate call this for everything else.
    """
    if getattr(actor, "is_pending", False):
        raise NotAllowed(
            "pending_approval",
            _l(
                "Your registration is waiting for a coordinator's approval: until then you "
                "can only see and edit your own profile."
            ),
        )


# --- Party organisations (SPEC 7): the `secretary` role on a party organisation ----------
# The third kind of scope: a secretary's place in the party tree covers that organisation
# and everything below it (a prefix of PartyOrg.path) and nothing on units; no unit role
# covers it. Registered like units and departments, so may()/in_scope() answer for it.


def secretary_paths(actor, needed: Role | None = None) -> list[str]:
    """Paths of the party organisations where the actor is secretary (read per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            sa.select(PartyOrg.path)
            .join(PartySecretary, PartySecretary.party_org_id == PartyOrg.id)
            .where(PartySecretary.member_id == actor.id)
        )
    )


PARTY = Scope("party", secretary_paths, lambda org: org.path)
register_scope(PartyOrg, PARTY)


def is_secretary(actor, org: PartyOrg | None = None) -> bool:
    """Whether the actor is secretary of `org` or of an organisation above it (with
    `org=None`, of any organisation)."""
    if org is None:
        return bool(secretary_paths(actor))
    return may(actor, None, org)


def ensure_secretary(actor, org: PartyOrg) -> None:
    """Raise NotAllowed unless is_secretary()."""
    if not is_secretary(actor, org):
        raise NotAllowed()


def secretary_in_scope(path_column, actor):
    """A SQL condition: `path_column` (a PartyOrg path) lies in the actor's secretary scope."""
    return in_scope(path_column, actor, None, PARTY)


def organises_party_org(actor, org: PartyOrg) -> bool:
    """Organisers (and admins) of the organisation's unit, or of the whole district when
    the organisation has no unit: they act on it as its secretaries' superiors do."""
    unit = org.unit
    if unit is None:
        return has_role(actor, Role.ORGANISER) and any(
            ra.unit.parent_id is None
            for ra in assignments(actor)
            if ra.role_enum.covers(Role.ORGANISER)
        )
    return has_role(actor, Role.ORGANISER, unit)


def _is_self(actor, member) -> bool:
    return actor is not None and getattr(actor, "id", None) == member.id


def may_do_party_work(actor) -> bool:
    """Tell whether the actor may act on party organisations at all: a secretary anywhere,
    or an organiser or admin (the service then checks the organisation's scope)."""
    return is_secretary(actor) or has_role(actor, Role.ORGANISER)
