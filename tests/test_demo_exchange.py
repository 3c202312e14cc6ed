"""seed-demo's certificates and exchange part (demo/seed_exchange.py)."""

import sqlalchemy as sa

from timebank.certificates import queries as certificate_queries
from timebank.certificates.models import Certificate
from timebank.demo.seed import seed_demo
from timebank.exchange.models import Offer, Redemption
from timebank.ledger import chain


def test_seed_demo_has_offers_certificates_and_a_waiting_redemption(db):
    assert seed_demo(members=50, events=0) is True
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Offer))
    assert count == 158 * 3
    certs = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
    assert len(certs) == 4
    assert [c.revoked_at is not None for c in certs] == [False, False, False, True]
    verdict = certificate_queries.verify(certs[0].serial, certs[0].signature)
    assert verdict.valid and not verdict.revoked
    assert certificate_queries.verify(certs[3].serial, certs[3].signature).revoked
    waiting = db.session.scalars(sa.select(Redemption)).all()
    assert [r.status for r in waiting] == ["redeemed"]
    assert chain.verify().ok
