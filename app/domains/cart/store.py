"""Where carts live: Redis first (one JSON value per cart, sliding TTL, keys hash-tagged
`{cart:<id>}` so a Redis Cluster shards by cart), Postgres behind it (`cart.snapshots`).

- Every write is a compare-and-set on the cart's version, in Redis (a Lua script) or, while
  Redis is unreachable, in Postgres: two concurrent writers never both win.
- With CART_DURABLE_WRITES (the default) each write also lands in Postgres at once, so
  Redis losing its data loses no cart; without it, and whenever that write fails, the cart
  is marked dirty and the snapshot worker copies it once it has been idle.
- A Redis miss restores from Postgres. Redis unreachable: reads and writes go to Postgres
  (logged, counted), rows written then are flagged `redis_stale`, and once Redis answers
  again their older Redis copies are dropped (`reconcile`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.dialects.postgresql import insert

from app.domains.cart import models as m
from app.domains.cart.entities import Cart
from app.platform.db import Database

log = logging.getLogger("emporium.cart")
CONTEXT = "cart"
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)

# Set KEYS[1] to ARGV[1] (version ARGV[2]) only if the stored version is ARGV[3] (0: absent).
_CAS = """
local cur = redis.call('GET', KEYS[1])
local have = 0
if cur then have = cjson.decode(cur)['version'] end
if have ~= tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[4]))
return 1
"""
# Drop ARGV[1] from the idle set unless it was written again after ARGV[2].
_UNDIRTY = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) <= tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 1
"""


@dataclass
class StoreStatus:
    """How the store is doing, for /metrics and the logs."""

    redis_up: bool = True
    down_since: float | None = None
    degraded_reads: int = 0
    degraded_writes: int = 0
    restores: int = 0
    snapshots: int = 0
    counters: dict[str, int] = field(default_factory=dict)


class CartStore:
    def __init__(
        self,
        redis: Redis,
        db: Database,
        *,
        prefix: str = "",
        ttl: int = 7 * 24 * 3600,
        durable: bool = True,
        retry_after: float = 2.0,
    ) -> None:
        self.redis = redis
        self.db = db
        self.prefix = prefix
        self.ttl = ttl
        self.durable = durable
        self.retry_after = retry_after
        self.status = StoreStatus()
        self._cas = redis.register_script(_CAS)
        self._undirty = redis.register_script(_UNDIRTY)

    # --- keys -----------------------------------------------------------------------------

    def key(self, cart_id: str) -> str:
        return f"{self.prefix}{{cart:{cart_id}}}"

    def customer_key(self, customer_id: int) -> str:
        return f"{self.prefix}{{cart:customer:{customer_id}}}"

    @property
    def dirty_key(self) -> str:
        return f"{self.prefix}cart:dirty"

    # --- Redis health ---------------------------------------------------------------------

    async def _redis_ready(self) -> bool:
        """Whether to use Redis now. While it is down, it is tried again every `retry_after`
        seconds (not on each request); when it answers, the carts written to Postgres
        meanwhile are reconciled first, so no request reads an older Redis copy."""
        if self.status.redis_up:
            return True
        if time.monotonic() - (self.status.down_since or 0) < self.retry_after:
            return False
        try:
            await self.redis.ping()
        except REDIS_DOWN as exc:
            self._redis_failed(exc)
            return False
        try:
            await self.reconcile()
        except REDIS_DOWN as exc:
            self._redis_failed(exc)
            return False
        except Exception:  # Postgres trouble: the periodic worker reconciles later
            log.exception("cart reconcile after the Redis outage failed")
        self.status.redis_up = True
        self.status.down_since = None
        log.warning("cart Redis answers again")
        return True

    def _redis_failed(self, exc: BaseException) -> None:
        if self.status.redis_up:
            log.warning("cart Redis unreachable, carts are served from Postgres: %r", exc)
        self.status.redis_up = False
        self.status.down_since = time.monotonic()

    # --- reads ----------------------------------------------------------------------------

    async def load(self, cart_id: str) -> Cart | None:
        """The cart (sliding its TTL), restored from Postgres on a Redis miss."""
        if await self._redis_ready():
            try:
                raw = await self.redis.getex(self.key(cart_id), ex=self.ttl)
            except REDIS_DOWN as exc:
                self._redis_failed(exc)
            else:
                if raw is not None:
                    return Cart.from_json(orjson.loads(raw))
                cart = await self._load_pg(cart_id)
                if cart is not None:
                    await self._restore(cart)
                return cart
        self.status.degraded_reads += 1
        return await self._load_pg(cart_id)

    async def _restore(self, cart: Cart) -> None:
        try:
            await self._cas(
                keys=[self.key(cart.id)],
                args=[orjson.dumps(cart.to_json()), cart.version, 0, self.ttl],
            )
            self.status.restores += 1
        except REDIS_DOWN as exc:
            self._redis_failed(exc)

    async def _load_pg(self, cart_id: str) -> Cart | None:
        s = m.snapshots.c
        async with self.db.reader(CONTEXT) as uow:
            row = (
                await uow.session.execute(
                    sa.select(s.data).where(s.cart_id == cart_id, s.expires_at > sa.func.now())
                )
            ).first()
        return Cart.from_json(row.data) if row else None

    async def customer_cart_id(self, customer_id: int) -> str | None:
        """The customer's current cart, if any (Redis's pointer, else the newest snapshot)."""
        if await self._redis_ready():
            try:
                found = await self.redis.get(self.customer_key(customer_id))
            except REDIS_DOWN as exc:
                self._redis_failed(exc)
            else:
                if found is not None:
                    return str(found.decode() if isinstance(found, bytes) else found)
        s = m.snapshots.c
        async with self.db.reader(CONTEXT) as uow:
            row = (
                await uow.session.execute(
                    sa.select(s.cart_id)
                    .where(s.customer_id == customer_id, s.expires_at > sa.func.now())
                    .order_by(s.updated_at.desc())
                    .limit(1)
                )
            ).first()
        return row.cart_id if row else None

    async def set_customer_cart(self, customer_id: int, cart_id: str) -> None:
        if await self._redis_ready():
            try:
                await self.redis.set(self.customer_key(customer_id), cart_id, ex=self.ttl)
            except REDIS_DOWN as exc:
                self._redis_failed(exc)

    # --- writes ---------------------------------------------------------------------------

    async def save(self, cart: Cart, expected_version: int) -> bool:
        """Store `cart` if the stored one is still at `expected_version` (0: none); False
        when another write came first (the caller reloads and tries again)."""
        data = cart.to_json()
        if await self._redis_ready():
            try:
                won = await self._cas(
                    keys=[self.key(cart.id)],
                    args=[orjson.dumps(data), cart.version, expected_version, self.ttl],
                )
            except REDIS_DOWN as exc:
                self._redis_failed(exc)
            else:
                if not won:
                    return False
                if not self.durable or not await self._snapshot_quietly(cart):
                    await self._mark_dirty(cart.id)
                return True
        self.status.degraded_writes += 1
        return await self._save_pg_cas(cart, expected_version)

    async def _snapshot_quietly(self, cart: Cart) -> bool:
        try:
            await self.snapshot(cart)
            return True
        except Exception:
            log.exception("cart snapshot failed; the snapshot worker will retry")
            return False

    async def _mark_dirty(self, cart_id: str) -> None:
        try:
            await self.redis.zadd(self.dirty_key, {cart_id: time.time()})
        except REDIS_DOWN as exc:
            self._redis_failed(exc)

    def _expires(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.ttl)

    async def snapshot(self, cart: Cart) -> None:
        """Copy `cart` to Postgres unless a newer version is there already."""
        stmt = insert(m.snapshots).values(
            cart_id=cart.id,
            customer_id=cart.customer_id,
            version=cart.version,
            data=cart.to_json(),
            expires_at=self._expires(),
        )
        ex = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[m.snapshots.c.cart_id],
            set_={
                "customer_id": ex.customer_id,
                "version": ex.version,
                "data": ex.data,
                "expires_at": ex.expires_at,
                "updated_at": sa.func.now(),
            },
            where=m.snapshots.c.version < ex.version,
        )
        async with self.db.uow(CONTEXT) as uow:
            await uow.session.execute(stmt)
            await uow.commit()
        self.status.snapshots += 1

    async def _save_pg_cas(self, cart: Cart, expected_version: int) -> bool:
        values: dict[str, Any] = {
            "customer_id": cart.customer_id,
            "version": cart.version,
            "data": cart.to_json(),
            "redis_stale": True,
            "expires_at": self._expires(),
            "updated_at": sa.func.now(),
        }
        s = m.snapshots.c
        async with self.db.uow(CONTEXT) as uow:
            if expected_version == 0:
                stmt = (
                    insert(m.snapshots)
                    .values(cart_id=cart.id, **values)
                    .on_conflict_do_nothing(index_elements=[s.cart_id])
                )
            else:
                stmt = (
                    sa.update(m.snapshots)  # type: ignore[assignment]
                    .where(s.cart_id == cart.id, s.version == expected_version)
                    .values(**values)
                )
            result = await uow.session.execute(stmt)
            await uow.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, cart_id: str) -> None:
        """Remove the cart everywhere (an order was placed, or it was merged away)."""
        async with self.db.uow(CONTEXT) as uow:
            await uow.session.execute(
                sa.delete(m.snapshots).where(m.snapshots.c.cart_id == cart_id)
            )
            await uow.commit()
        if await self._redis_ready():
            try:
                await self.redis.delete(self.key(cart_id))
                await self.redis.zrem(self.dirty_key, cart_id)
            except REDIS_DOWN as exc:
                # the Postgres row is gone; the Redis copy expires with its TTL, and a
                # tombstone-free restore can only come from Postgres, which no longer has it
                self._redis_failed(exc)
                await self._remember_deleted(cart_id)

    async def _remember_deleted(self, cart_id: str) -> None:
        # a stale row (empty data never restores: version 0 and expired) tells reconcile to
        # drop Redis's copy once Redis is back
        stmt = insert(m.snapshots).values(
            cart_id=cart_id,
            version=0,
            data={},
            redis_stale=True,
            expires_at=datetime(1970, 1, 1, tzinfo=UTC),
        )
        async with self.db.uow(CONTEXT) as uow:
            await uow.session.execute(stmt.on_conflict_do_nothing())
            await uow.commit()

    # --- background -----------------------------------------------------------------------

    async def snapshot_idle(self, idle_seconds: float, limit: int = 500) -> int:
        """Copy carts untouched for `idle_seconds` (and not yet in Postgres) to Postgres."""
        cutoff = time.time() - idle_seconds
        ids = await self.redis.zrangebyscore(self.dirty_key, "-inf", cutoff, start=0, num=limit)
        done = 0
        for raw_id in ids:
            cart_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
            raw = await self.redis.get(self.key(cart_id))
            if raw is not None:
                await self.snapshot(Cart.from_json(orjson.loads(raw)))
                done += 1
            await self._undirty(keys=[self.dirty_key], args=[cart_id, cutoff])
        return done

    async def reconcile(self) -> int:
        """After a Redis outage: drop Redis's copies of carts written to Postgres meanwhile
        (they are older), so the next read restores the newer one."""
        s = m.snapshots.c
        async with self.db.uow(CONTEXT) as uow:
            ids = (
                (await uow.session.execute(sa.select(s.cart_id).where(s.redis_stale)))
                .scalars()
                .all()
            )
            if ids:
                await self.redis.delete(*(self.key(i) for i in ids))
                await uow.session.execute(
                    sa.update(m.snapshots).where(s.cart_id.in_(ids)).values(redis_stale=False)
                )
                await uow.session.execute(
                    sa.delete(m.snapshots).where(s.cart_id.in_(ids), s.version == 0)
                )
                await uow.commit()
        return len(ids)

    async def sweep_expired(self) -> int:
        """Snapshots past their TTL (no read or write for CART_TTL) are deleted."""
        s = m.snapshots.c
        async with self.db.uow(CONTEXT) as uow:
            result = await uow.session.execute(
                sa.delete(m.snapshots).where(s.expires_at < sa.func.now(), ~s.redis_stale)
            )
            await uow.commit()
        return int(result.rowcount)  # type: ignore[attr-defined]
