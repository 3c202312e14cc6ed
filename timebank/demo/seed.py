"""Build the demo data set: "1+9+158+1069" units, members and one account per role."""

import csv
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

import sqlalchemy as sa

from ..auth.models import Role, RoleAssignment
from ..core.clock import utcnow
from ..core.security import hash_password
from ..extensions import db
from ..members.models import Member, MemberStatus
from ..members.skills import SKILLS
from ..units.models import Level, Unit
from ..units.queries import find_root
from ..units.services import import_units
from .names import WORKPLACES, community_name, community_name_en, person_name
from .seed_dispatch import seed_dispatch
from .seed_events import DEFAULT_EVENTS, seed_events
from .seed_exchange import seed_exchange
from .seed_history import seed_history
from .seed_party import seed_party
from .seed_shifts import seed_checkpoints, seed_shifts, seed_signups

log = logging.getLogger(__name__)

#: Communities per town (sums to 158) in the order of nansha_towns.csv.
COMMUNITIES_PER_TOWN = [22, 18, 16, 14, 20, 19, 17, 16, 16]
GRIDS_TOTAL = 1069
#: Printed for the demo on purpose.
DEMO_PASSWORD = "demo1234"  # noqa: S105  # nosec B105


@dataclass(frozen=True)
class DemoAccount:
    phone: str
    name: str
    role: Role | None
    unit: str  # "district", "town" or "community"
    status: str = MemberStatus.ACTIVE


DEMO_ACCOUNTS = [
    DemoAccount("13800000001", "系统管理员", Role.ADMIN, "district"),
    DemoAccount("13800000002", "区委组织部", Role.ORGANISER, "district"),
    DemoAccount("13800000003", "黄阁镇组织委员", Role.ORGANISER, "town"),
    DemoAccount("13800000004", "社区协调员", Role.COORDINATOR, "community"),
    DemoAccount("13800000005", "检查点工作人员", Role.STAFF, "community"),
    DemoAccount("13800000006", "党员志愿者", None, "community"),
    DemoAccount("13800000007", "新报到党员", None, "community", MemberStatus.PENDING),
    # A grid worker and a 城管 handler: their dispatch parts come from seed_dispatch.
    DemoAccount("13800000008", "网格员", None, "community"),
    DemoAccount("13800000009", "城管执法队员", None, "community"),
    # The secretary of the demo community's party branch: see seed_party.
    DemoAccount("13800000010", "党支部书记", None, "community"),
]


def _town_rows() -> list[tuple[int, dict]]:
    text = (
        resources.files("timebank.demo")
        .joinpath("data/nansha_towns.csv")
        .read_text(encoding="utf-8")
    )
    reader = csv.DictReader(text.splitlines())
    return [(reader.line_num, row) for row in reader]


def _jitter(rng, lat, lon, spread):
    return round(lat + rng.gauss(0, spread), 6), round(lon + rng.gauss(0, spread), 6)


def seed_units(rng: random.Random) -> None:
    """The district and towns from the CSV, then generated communities and grids."""
    import_units(None, _town_rows())
    towns = list(
        db.session.scalars(sa.select(Unit).where(Unit.level == Level.TOWN).order_by(Unit.id))
    )
    grids_per = [6] * sum(COMMUNITIES_PER_TOWN)
    for i in rng.sample(range(len(grids_per)), GRIDS_TOTAL - 6 * len(grids_per)):
        grids_per[i] += 1
    rows, line, k = [], 2, 0
    used: set[str] = set()
    for town, count in zip(towns, COMMUNITIES_PER_TOWN, strict=True):
        for c in range(1, count + 1):
            lat, lon = _jitter(rng, town.lat, town.lon, 0.012)
            code = f"{town.code}-C{c:02d}"
            rows.append(
                (
                    line,
                    dict(
                        code=code,
                        name=(name := community_name(rng, used)),
                        name_en=community_name_en(name),
                        level="community",
                        parent_code=town.code,
                        lat=lat,
                        lon=lon,
                    ),
                )
            )
            line += 1
            for g in range(1, grids_per[k] + 1):
                glat, glon = _jitter(rng, lat, lon, 0.002)
                rows.append(
                    (
                        line,
                        dict(
                            code=f"{code}-G{g}",
                            name=f"第{g}网格",
                            name_en=f"Grid {g}",
                            level="grid",
                            parent_code=code,
                            lat=glat,
                            lon=glon,
                        ),
                    )
                )
                line += 1
            k += 1
    import_units(None, rows)


def seed_members(rng: random.Random, count: int, password_hash: str) -> None:
    """`count` generated members spread over every community, mostly active."""
    communities = list(
        db.session.execute(
            sa.select(Unit.id, Unit.lat, Unit.lon).where(Unit.level == Level.COMMUNITY)
        )
    )
    now = utcnow()
    skills = list(SKILLS)
    rows = []
    for i in range(count):
        cid, lat, lon = rng.choice(communities)
        hlat, hlon = _jitter(rng, lat, lon, 0.006)
        status = rng.choices(
            [MemberStatus.ACTIVE, MemberStatus.PENDING, MemberStatus.SUSPENDED], [90, 8, 2]
        )[0]
        created = now - timedelta(days=rng.randint(1, 700))
        rows.append(
            dict(
                name=person_name(rng),
                phone=f"139{i:08d}",
                password_hash=password_hash,
                is_party_member=rng.random() < 0.9,
                skills=sorted(rng.sample(skills, rng.choice((0, 1, 1, 2, 3)))),
                home_lat=hlat,
                home_lon=hlon,
                workplace=rng.choice(WORKPLACES),
                community_id=cid,
                status=status,
                locale="zh_CN",
                session_version=1,
                failed_logins=0,
                created_at=created,
                approved_at=created + timedelta(days=1) if status != MemberStatus.PENDING else None,
            )
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Member), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Member), rows)


def seed_accounts(password_hash: str) -> list[DemoAccount]:
    """One account per role, all in 黄阁镇 and its first community."""
    district = find_root()
    town = db.session.scalar(sa.select(Unit).where(Unit.code == "NS-HG"))
    community = db.session.scalar(sa.select(Unit).where(Unit.code == "NS-HG-C01"))
    unit_of = {"district": district, "town": town, "community": community}
    now = utcnow()
    for account in DEMO_ACCOUNTS:
        member = Member(
            name=account.name,
            phone=account.phone,
            password_hash=password_hash,
            is_party_member=True,
            skills=["medical"] if account.role is None else [],
            home_lat=community.lat,
            home_lon=community.lon,
            workplace="南沙区政务服务中心",
            community_id=community.id,
            status=account.status,
            created_at=now,
            approved_at=now if account.status == MemberStatus.ACTIVE else None,
        )
        db.session.add(member)
        db.session.flush()
        if account.role is not None:
            db.session.add(
                RoleAssignment(
                    member_id=member.id,
                    role=account.role,
                    unit_id=unit_of[account.unit].id,
                    created_at=now,
                )
            )
    db.session.flush()
    return DEMO_ACCOUNTS


def seed_demo(
    members: int = 1000, seed: int = 2022, events: int = DEFAULT_EVENTS, timeline: bool = True
) -> bool:
    """Seed everything unless the tree exists already. Returns whether it seeded."""
    if find_root() is not None:
        return False
    rng = random.Random(seed)  # nosec B311
    password_hash = hash_password(DEMO_PASSWORD)
    seed_units(rng)
    seed_accounts(password_hash)
    seed_members(rng, members, password_hash)
    db.session.flush()
    checkpoints = seed_checkpoints(rng)
    shifts = seed_shifts(rng, checkpoints)
    seed_signups(rng, shifts)
    seed_history(rng)
    seed_dispatch(rng, password_hash)
    db.session.flush()
    seed_events(rng, events, timeline=timeline)
    seed_party()
    seed_exchange(rng)
    log.info("demo data seeded with %s members", members)
    return True
