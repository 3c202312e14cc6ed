import sqlalchemy as sa

from timebank.exchange import offers
from timebank.exchange.models import MinuteTransfer, Redemption
from timebank.ledger.queries import balance_minutes
from timebank.ledger.services import adjust


def test_offers_redeem_and_queue_pages(login, people, tree, client, db):
    adjust(people.coordinator, people.member, minutes=100, reason="存入")
    offer = offers.create_offer(
        people.coordinator, tree.community, title="理发一次", price_minutes=30, stock=3
    )
    login(people.member)
    page = client.get("/exchange").get_data(as_text=True)
    assert "理发一次" in page and "Publish" not in page
    assert client.post(f"/exchange/offers/{offer.id}/redeem").status_code == 302
    assert "理发一次" in client.get("/exchange/mine").get_data(as_text=True)
    assert balance_minutes(people.member.id) == 70
    assert client.get("/exchange/queue").status_code == 403
    login(people.coordinator)
    assert "理发一次" in client.get("/exchange/queue").get_data(as_text=True)
    redemption = db.session.scalar(sa.select(Redemption))
    client.post(f"/exchange/redemptions/{redemption.id}/reverse", data={"reason": "缺货"})
    db.session.expire_all()
    assert redemption.status == "reversed" and balance_minutes(people.member.id) == 100
    r = client.post("/exchange", data={"title": "", "minutes": "-1", "stock": "2"})
    assert r.status_code == 200 and "is-invalid" in r.get_data(as_text=True)


def test_transfer_asks_to_confirm_first(login, people, client, db):
    adjust(people.coordinator, people.member, minutes=100, reason="存入")
    login(people.member)
    data = {"to_member_id": people.neighbour.id, "minutes": 40, "reason": "给母亲"}
    page = client.post("/exchange/give", data=data).get_data(as_text=True)
    assert 'data-test="confirm"' in page and "赵*" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MinuteTransfer)) == 0
    assert client.post("/exchange/give", data={**data, "confirmed": "yes"}).status_code == 302
    assert balance_minutes(people.neighbour.id) == 40
    page = client.post("/exchange/give", data={**data, "minutes": 500, "confirmed": "yes"})
    assert page.status_code == 200 and balance_minutes(people.member.id) == 60


def test_coordinator_withdraws_an_offer_on_the_page(login, people, tree, client, db):
    offer = offers.create_offer(
        people.coordinator, tree.community, title="理发一次", price_minutes=30, stock=3
    )
    login(people.member)
    assert 'data-test="withdraw"' not in client.get("/exchange").get_data(as_text=True)
    assert client.post(f"/exchange/offers/{offer.id}/withdraw").status_code == 403
    login(people.coordinator)
    assert 'data-test="withdraw"' in client.get("/exchange").get_data(as_text=True)
    assert client.post(f"/exchange/offers/{offer.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert offer.is_withdrawn
    client.get("/exchange")  # the flash
    assert "理发一次" not in client.get("/exchange").get_data(as_text=True)
    r = client.post(f"/exchange/offers/{offer.id}/withdraw", follow_redirects=True)
    assert r.status_code == 200
