"""The Redis hot count: each variant's sellable quantity, with the stock version it came from.

Writers set it right after their commit; readers fill a miss from Postgres. A value only
replaces an older one (the version is the newest stock row's sequence number), so a slow
reader can never put back a figure a writer has already superseded.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.domains.inventory import models as m
from app.platform.db import UnitOfWork

log = logging.getLogger("emporium.inventory")

# scoped by database: two stores (a test run, a bench, a staging copy) sharing one Redis
# give the same ids to different variants, and must never read each other's counts
KEY = "inventory:%s:available:{%d}"
# a safety net, not the freshness rule: every change overwrites the key at once
TTL_SECONDS = 3600

# KEYS[1]: the key; ARGV: version, available, ttl. Sets "version:available" unless newer.
_SET_IF_NEWER = """
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+):'))
  if v and v > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', tonumber(ARGV[3]))
return 1
"""


_scopes: dict[str, str] = {}


async def scope(uow: UnitOfWork) -> str:
    """The hot counts' namespace: the database the stock lives in, by name and oid. The oid
    changes when a database is dropped and made again under the same name (a bench, a
    staging copy): its stock versions start over, and the old counts, at higher versions,
    must not be read for it."""
    bind = uow.session.get_bind()
    engine = bind if isinstance(bind, sa.Engine) else bind.engine
    url = str(engine.url)
    found = _scopes.get(url)
    if found is None:
        oid = (
            await uow.session.execute(
                sa.text("SELECT oid FROM pg_database WHERE datname = current_database()")
            )
        ).scalar_one()
        found = _scopes[url] = f"{engine.url.database}.{oid}"
    return found


def key(scope: str, variant_id: int) -> str:
    return KEY % (scope, variant_id)


async def totals(uow: UnitOfWork, variant_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(available, version) per variant from Postgres; a variant without stock: (0, 0)."""
    s = m.stock.c
    rows = await uow.session.execute(
        sa.select(s.variant_id, sa.func.sum(s.on_hand - s.reserved), sa.func.max(s.version))
        .where(s.variant_id.in_(variant_ids))
        .group_by(s.variant_id)
    )
    found = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
    return {v: found.get(v, (0, 0)) for v in variant_ids}


async def publish(redis: Redis | None, scope: str, figures: Mapping[int, tuple[int, int]]) -> None:
    """Write (available, version) per variant unless Redis already holds a newer one.

    A Redis failure is logged, never raised: the change has committed, readers fall back
    to Postgres on a miss and the sweeper refreshes recent changes."""
    if redis is None or not figures:
        return
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for vid, (available, version) in figures.items():
                pipe.eval(_SET_IF_NEWER, 1, key(scope, vid), version, available, TTL_SECONDS)
            await pipe.execute()
    except (RedisError, OSError):
        log.warning("inventory hot counts not updated in Redis", exc_info=True)


async def read(redis: Redis | None, uow: UnitOfWork, variant_ids: Sequence[int]) -> dict[int, int]:
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return {}
    out: dict[int, int] = {}
    missing = ids
    if redis is not None:
        try:
            where = await scope(uow)
            raw = await redis.mget([key(where, v) for v in ids])
        except (RedisError, OSError):
            log.warning("inventory hot counts unreadable; reading Postgres", exc_info=True)
            raw = [None] * len(ids)
        missing = []
        for vid, value in zip(ids, raw, strict=True):
            if value is None:
                missing.append(vid)
            else:
                text = value.decode() if isinstance(value, bytes) else str(value)
                out[vid] = max(0, int(text.split(":", 1)[1]))
    if missing:
        figures = await totals(uow, missing)
        out.update({v: max(0, a) for v, (a, _) in figures.items()})
        await publish(redis, await scope(uow), figures)
    return out
