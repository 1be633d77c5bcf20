"""Cart fixtures: a few products of our own (the catalog is shared by the run's tests, so
nothing here empties it) and cart services over the run's Redis or a Redis of the test's own."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis

from app.domains import cart, catalog, inventory
from app.platform.db import Database
from app.platform.settings import Settings
from app.resolvers.cart import CatalogPrices
from tests.fixtures.redis_server import OwnRedis
from tests.integration.inventory.conftest import hot_key, inv_scope


def _draft(tag: str, prices: list[str]) -> catalog.ProductDraft:
    return catalog.ProductDraft(
        handle=f"cart-{tag}",
        title=f"Cart test {tag}",
        variants=tuple(
            catalog.VariantDraft(sku=f"C-{tag}-{i}", price=Decimal(p), options=(("Size", f"S{i}"),))
            for i, p in enumerate(prices)
        ),
    )


class Products:
    """One active product of the test's own, a variant per price (ids in order)."""

    def __init__(
        self, db: Database, tag: str, prices: list[str], ids: list[int], product_id: int
    ) -> None:
        self.db, self.tag, self.prices, self.ids = db, tag, prices, ids
        self.product_id = product_id

    @classmethod
    async def make(cls, db: Database, prices: list[str], stock: int = 1000) -> Products:
        tag = uuid.uuid4().hex[:10]
        async with db.uow(catalog.CONTEXT) as uow:
            product_id, _ = await catalog.upsert_product(uow, _draft(tag, prices))
            await uow.commit()
        async with db.reader(catalog.CONTEXT) as uow:
            found = (await catalog.variants_by_product_ids(uow, [product_id]))[product_id]
        ids = [v.id for v in found]
        async with db.uow(inventory.CONTEXT) as uow:
            # another test may have emptied the catalog (ids start over) but left stock,
            # reservations and ledger rows for these ids: they start from nothing here
            for table in ("reservation_lines", "movements", "stock"):
                await uow.session.execute(
                    sa.text(f"DELETE FROM inventory.{table} WHERE variant_id = ANY(:ids)"),
                    {"ids": ids},
                )
            await uow.commit()
        where = await inv_scope(db)
        r = Redis.from_url(db.settings.redis_url or "")
        try:
            await r.delete(*(hot_key(where, v) for v in ids))
        finally:
            await r.aclose()
        async with db.uow(inventory.CONTEXT) as uow:
            await inventory.stock_initial(uow, dict.fromkeys(ids, stock), actor="tests")
        return cls(db, tag, prices, ids, product_id)

    async def reprice(self, index: int, price: str) -> None:
        """Change one variant's price the way an import does (the same SKUs, new price)."""
        self.prices[index] = price
        async with self.db.uow(catalog.CONTEXT) as uow:
            await catalog.upsert_product(uow, _draft(self.tag, self.prices))
            await uow.commit()

    async def archive(self) -> None:
        async with self.db.uow(catalog.CONTEXT) as uow:
            await catalog.upsert_product(
                uow, dataclasses.replace(_draft(self.tag, self.prices), status="ARCHIVED")
            )
            await uow.commit()


@pytest.fixture
async def products(db: Database) -> Products:
    return await Products.make(db, ["10.00", "2.50", "7.25", "99.99"])


def service(
    settings: Settings, db: Database, redis: Redis, *, durable: bool = True, **limits: int
) -> cart.CartService:
    store = cart.CartStore(
        redis,
        db,
        prefix=f"{settings.queue_prefix}{uuid.uuid4().hex[:6]}:",
        ttl=settings.cart_ttl,
        durable=durable,
        retry_after=0.2,
    )
    return cart.CartService(
        store,
        currency="USD",
        prices=CatalogPrices(db),
        limits=cart.Limits(**limits) if limits else cart.Limits(),
    )


@pytest.fixture
async def shared_redis(settings: Settings) -> AsyncIterator[Redis]:
    r = Redis.from_url(settings.redis_url or "", socket_timeout=2)
    yield r
    await r.aclose()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
